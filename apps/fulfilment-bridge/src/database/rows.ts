/**
 * Rows of a `RETURNING` query through TypeORM's `query()`: an INSERT gives the rows, an UPDATE or DELETE gives
 * `[rows, affected]` on PostgreSQL.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as T[];
  return (result ?? []) as T[];
}
