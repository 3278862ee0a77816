/**
 * Mirakl's money shapes, written from Mirakl's OpenAPI description (`TL02_Response_200`, `IV01_Response_200`,
 * `SBC11_Response_200` and their parameters). Mirakl documents no field as required and adds fields and
 * enum values over time: every field is optional and may be null, every object tolerates unknown fields,
 * every enum is open (`'A' | 'B' | (string & {})`). Amounts are JSON numbers with at most 2 decimals: sum
 * them as cents (`amountToCents`), never as floats.
 */

/** TL02 `payment_state`. */
export type TransactionPaymentState =
  'PENDING' | 'PAYABLE' | 'PAID' | 'NOT_APPLICABLE' | 'RESERVE' | (string & {});

/** TL02 `type`: the 51 types Mirakl lists today; new ones appear. */
export type TransactionType =
  | 'MANUAL_CREDIT'
  | 'MANUAL_CREDIT_VAT'
  | 'MANUAL_INVOICE'
  | 'MANUAL_INVOICE_VAT'
  | 'INVOICEABLE_ONE_OFF_DEBIT'
  | 'INVOICEABLE_ONE_OFF_DEBIT_TAX'
  | 'INVOICEABLE_ONE_OFF_CREDIT'
  | 'INVOICEABLE_ONE_OFF_CREDIT_TAX'
  | 'ORDER_AMOUNT'
  | 'ORDER_AMOUNT_TAX'
  | 'ORDER_SHIPPING_AMOUNT'
  | 'ORDER_SHIPPING_AMOUNT_TAX'
  | 'COMMISSION_FEE'
  | 'COMMISSION_VAT'
  | 'REFUND_ORDER_AMOUNT'
  | 'REFUND_ORDER_AMOUNT_TAX'
  | 'REFUND_ORDER_SHIPPING_AMOUNT'
  | 'REFUND_ORDER_SHIPPING_AMOUNT_TAX'
  | 'REFUND_COMMISSION_FEE'
  | 'REFUND_COMMISSION_VAT'
  | 'SUBSCRIPTION_FEE'
  | 'SUBSCRIPTION_VAT'
  | 'OPERATOR_REMITTED_ORDER_AMOUNT_TAX'
  | 'OPERATOR_REMITTED_ORDER_SHIPPING_AMOUNT_TAX'
  | 'OPERATOR_REMITTED_REFUND_ORDER_AMOUNT_TAX'
  | 'OPERATOR_REMITTED_REFUND_ORDER_SHIPPING_AMOUNT_TAX'
  | 'OPERATOR_PAID_ORDER_SHIPPING_AMOUNT'
  | 'OPERATOR_PAID_ORDER_SHIPPING_AMOUNT_TAX'
  | 'OPERATOR_PAID_REFUND_ORDER_SHIPPING_AMOUNT'
  | 'OPERATOR_PAID_REFUND_ORDER_SHIPPING_AMOUNT_TAX'
  | 'PAYMENT'
  | 'PURCHASE_COMMISSION_FEE'
  | 'PURCHASE_SHIPPING_COMMISSION_FEE'
  | 'PURCHASE_ORDER_AMOUNT_TAX'
  | 'PURCHASE_ORDER_SHIPPING_AMOUNT_TAX'
  | 'REFUND_PURCHASE_COMMISSION_FEE'
  | 'REFUND_PURCHASE_SHIPPING_COMMISSION_FEE'
  | 'REFUND_PURCHASE_ORDER_AMOUNT_TAX'
  | 'REFUND_PURCHASE_ORDER_SHIPPING_AMOUNT_TAX'
  | 'ORDER_FEE_AMOUNT'
  | 'OPERATOR_REMITTED_ORDER_FEE_AMOUNT'
  | 'REFUND_ORDER_FEE_AMOUNT'
  | 'OPERATOR_REMITTED_REFUND_ORDER_FEE_AMOUNT'
  | 'PURCHASE_FEE_COMMISSION_FEE'
  | 'REFUND_PURCHASE_FEE_COMMISSION_FEE'
  | 'RESERVE_FUNDING'
  | 'RESERVE_SETTLEMENT'
  | 'SELLER_FEE_ON_ORDER'
  | 'SELLER_FEE_ON_ORDER_TAX'
  | 'SELLER_PENALTY_FEE'
  | 'SELLER_PENALTY_FEE_TAX'
  | (string & {});

export type ShopModel = 'MARKETPLACE' | 'DROPSHIP' | 'ONE_CREDITOR' | (string & {});
export type PayOutPspCode = 'NOT_SPECIFIED' | 'MANGOPAY' | 'MIRAKL_PAYOUT' | 'OPERATOR' | (string & {});
export type PayOutState = 'TO_PAY' | 'PAID' | 'FAILED' | (string & {});
export type PayOutFailureReason = 'INCOMPLETE_KYC' | 'AWAITING_INVOICE_CHECK' | (string & {});
export type AccountingDocumentType =
  'ALL' | 'AUTO_INVOICE' | 'MANUAL_INVOICE' | 'MANUAL_CREDIT' | (string & {});
export type IssuingUserType = 'OPERATOR' | 'BATCH' | 'PARTNER' | (string & {});

/** A `{ id }` node of TL02 `entities`. */
export interface MiraklIdNode {
  id?: string | null;
  [field: string]: unknown;
}

/** TL02 `entities`: what the line is about (order, line, refund, tax…), depending on its type. */
export interface TransactionEntities {
  channel?: { code?: string | null; [field: string]: unknown } | null;
  debit?: MiraklIdNode | null;
  /** PRODUCT or SERVICE. */
  domain?: 'PRODUCT' | 'SERVICE' | (string & {}) | null;
  fee?: {
    code?: string | null;
    cancelations?: MiraklIdNode[] | null;
    refunds?: MiraklIdNode[] | null;
    [field: string]: unknown;
  } | null;
  manual_accounting_document?: {
    emission_date?: string | null;
    number?: string | null;
    [field: string]: unknown;
  } | null;
  one_off_item?: {
    description?: string | null;
    operation_date?: string | null;
    quantity?: number | null;
    references?: { type?: string | null; value?: string | null; [field: string]: unknown }[] | null;
    unit_price?: number | null;
    [field: string]: unknown;
  } | null;
  /** The order: there is no top-level order id on a TL02 line. */
  order?: {
    id?: string | null;
    commercial_id?: string | null;
    creation_date?: string | null;
    payment_info?: {
      imprint_number?: string | null;
      payment_type?: string | null;
      [field: string]: unknown;
    } | null;
    references?: {
      order_reference_for_customer?: string | null;
      order_reference_for_seller?: string | null;
      [field: string]: unknown;
    } | null;
    [field: string]: unknown;
  } | null;
  order_fee?: { code?: string | null; [field: string]: unknown } | null;
  order_line?: MiraklIdNode | null;
  order_tax?: { code?: string | null; rate?: number | null; [field: string]: unknown } | null;
  refund?: MiraklIdNode | null;
  shipment?: MiraklIdNode | null;
  /** On COMMISSION_VAT, MANUAL_*_VAT, REFUND_COMMISSION_VAT, SUBSCRIPTION_VAT lines. */
  shop_tax?: { code?: string | null; rate?: number | null; [field: string]: unknown } | null;
  transaction_info?: { date?: string | null; number?: string | null; [field: string]: unknown } | null;
  [field: string]: unknown;
}

/** TL02: one line of the seller's account. `amount` is signed (credit positive). */
export interface MiraklTransactionLine {
  id?: string | null;
  type?: TransactionType | null;
  amount?: number | null;
  amount_credited?: number | null;
  amount_debited?: number | null;
  /** Running balance of the account after this line. */
  balance?: number | null;
  currency_iso_code?: string | null;
  date_created?: string | null;
  last_updated?: string | null;
  /** Sent by some platforms (and the sandbox); TL02's schema has the date under `entities.transaction_info`. */
  transaction_date?: string | null;
  payment_state?: TransactionPaymentState | null;
  pay_out_psp_code?: PayOutPspCode | null;
  psp_balance?: number | null;
  seller_billing_cycle_id?: string | null;
  accounting_document_id?: string | null;
  accounting_document_number?: string | null;
  accounting_document_creation_date?: string | null;
  /** In Mirakl's examples, not in its schema. */
  payment_voucher_number?: string | null;
  entities?: TransactionEntities | null;
  [field: string]: unknown;
}

export interface MiraklTaxAmount {
  code?: string | null;
  amount?: number | null;
  [field: string]: unknown;
}

/** IV01: an accounting document (the operator's invoice of a billing cycle, or a manual one). */
export interface MiraklAccountingDocument {
  id?: string | null;
  /** Present once the document is issued. */
  invoice_id?: number | null;
  type?: AccountingDocumentType | null;
  state?: string | null;
  currency_iso_code?: string | null;
  date_created?: string | null;
  issue_date?: string | null;
  due_date?: string | null;
  details?:
    | {
        amount_excl_taxes?: number | null;
        description?: string | null;
        operation_date?: string | null;
        order_id?: string | null;
        quantity?: number | null;
        taxes?: MiraklTaxAmount[] | null;
        [field: string]: unknown;
      }[]
    | null;
  issuing_user?: {
    type?: IssuingUserType | null;
    information?: string | null;
    [field: string]: unknown;
  } | null;
  pay_out_psp_code?: PayOutPspCode | null;
  payment?: {
    state?: 'PENDING' | 'PAID' | 'FAILED' | (string & {}) | null;
    reference?: string | null;
    transaction_date?: string | null;
    failure_reason?: PayOutFailureReason | null;
    [field: string]: unknown;
  } | null;
  shop_id?: number | null;
  shop_name?: string | null;
  shop_corporate_name?: string | null;
  shop_model?: ShopModel | null;
  shop_operator_internal_id?: string | null;
  shop_tax_number?: string | null;
  shop_address?: Record<string, unknown> | null;
  /** Charged to the shop, excluding and including taxes. */
  total_amount_excl_taxes?: number | null;
  total_amount_incl_taxes?: number | null;
  /** Deprecated by Mirakl: use `total_amount_incl_taxes`. */
  total_charged_amount?: number | null;
  total_taxes?: MiraklTaxAmount[] | null;
  [field: string]: unknown;
}

/** SBC11 `summary`: totals of the cycle by kind, signed from the seller's side. */
export interface BillingCycleSummary {
  total_payable_orders_excl_tax?: number | null;
  total_payable_orders_incl_tax?: number | null;
  total_non_payable_orders_excl_tax?: number | null;
  total_non_payable_orders_incl_tax?: number | null;
  total_refund_orders_excl_tax?: number | null;
  total_refund_orders_incl_tax?: number | null;
  total_refund_payable_orders_excl_tax?: number | null;
  total_refund_payable_orders_incl_tax?: number | null;
  total_refund_non_payable_orders_excl_tax?: number | null;
  total_refund_non_payable_orders_incl_tax?: number | null;
  total_commissions_excl_tax?: number | null;
  total_commissions_incl_tax?: number | null;
  total_refund_commissions_excl_tax?: number | null;
  total_refund_commissions_incl_tax?: number | null;
  total_subscription_excl_tax?: number | null;
  total_subscription_incl_tax?: number | null;
  total_fee_excl_tax?: number | null;
  total_fee_incl_tax?: number | null;
  total_refund_fee_excl_tax?: number | null;
  total_refund_fee_incl_tax?: number | null;
  total_seller_fees_on_orders_excl_tax?: number | null;
  total_seller_fees_on_orders_incl_tax?: number | null;
  total_seller_penalty_fees_excl_tax?: number | null;
  total_seller_penalty_fees_incl_tax?: number | null;
  total_other_credits_excl_tax?: number | null;
  total_other_credits_incl_tax?: number | null;
  total_other_invoices_excl_tax?: number | null;
  total_other_invoices_incl_tax?: number | null;
  total_operator_remitted_taxes?: number | null;
  total_refund_operator_remitted_taxes?: number | null;
  [field: string]: unknown;
}

/** SBC11: a seller billing cycle and its pay-out. */
export interface MiraklBillingCycle {
  id?: string | null;
  date_created?: string | null;
  currency_iso_code?: string | null;
  amount_transferred_to_seller?: number | null;
  amount_transferred_to_operator?: number | null;
  pay_out?: {
    state?: PayOutState | null;
    /** Present only when PAID. */
    reference?: string | null;
    transaction_date?: string | null;
    /** Present only when FAILED. */
    failure_reason?: PayOutFailureReason | null;
    [field: string]: unknown;
  } | null;
  pay_out_psp_code?: PayOutPspCode | null;
  payment_voucher_number?: string | null;
  shop?: {
    shop_id?: number | null;
    shop_name?: string | null;
    shop_corporate_name?: string | null;
    shop_model?: ShopModel | null;
    shop_operator_internal_id?: string | null;
    [field: string]: unknown;
  } | null;
  summary?: BillingCycleSummary | null;
  [field: string]: unknown;
}

/** TL02 sort: by creation date (default) or last update (Mirakl recommends it for polling), newest first. */
export interface TransactionLinesSort {
  field: 'dateCreated' | 'lastUpdated';
  direction?: 'asc' | 'desc';
}

/** TL02 filters (dates as ISO-8601 strings). Id lists of any length: the client sends 100 at a time. */
export interface ListTransactionLinesFilter {
  sellerBillingCycleIds?: string[];
  dateCreatedFrom?: string;
  dateCreatedTo?: string;
  transactionDateFrom?: string;
  transactionDateTo?: string;
  lastUpdatedFrom?: string;
  paymentStates?: TransactionPaymentState[];
  transactionTypes?: TransactionType[];
  accountingDocumentNumber?: string;
  accountingDocumentId?: string;
  orderIds?: string[];
  orderLineIds?: string[];
  orderReferencesForCustomer?: string[];
  orderReferencesForSeller?: string[];
  otherReferences?: string[];
  shopModels?: ShopModel[];
  payOutPspCodes?: PayOutPspCode[];
  sort?: TransactionLinesSort;
}

/** IV01 filters. `type` defaults to AUTO_INVOICE on Mirakl's side. */
export interface ListAccountingDocumentsFilter {
  type?: AccountingDocumentType;
  currency?: string;
  startDate?: string;
  endDate?: string;
  invoiceIds?: (number | string)[];
  sellerBillingCycleIds?: string[];
  issuingUserTypes?: IssuingUserType[];
  paymentStatus?: 'PENDING' | 'PAID' | 'FAILED' | (string & {});
  payOutPspCodes?: PayOutPspCode[];
}

/** SBC11 filters (creation dates inclusive). */
export interface ListBillingCyclesFilter {
  ids?: string[];
  currencies?: string[];
  startDate?: string;
  endDate?: string;
  payOutStates?: PayOutState[];
  payOutPspCodes?: PayOutPspCode[];
}
