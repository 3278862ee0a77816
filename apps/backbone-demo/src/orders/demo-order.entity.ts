import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The sample service's own state: the orders it simulated and how far each got. */
@Entity('demo_order')
export class DemoOrder {
  @PrimaryColumn() marketplace: string;
  @PrimaryColumn({ name: 'order_id' }) orderId: string;
  @Column() state: string;
  @Column({ name: 'line_count', type: 'int' }) lineCount: number;
  @Column({ name: 'total_minor', type: 'bigint' }) totalMinor: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
