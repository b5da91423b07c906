// Send an invoice (numbered when sent, immutable after) and record a payment. The idempotency
// key makes a retried request (a flaky network, a double click) the same payment, never two.
import { type Enums, type Fieldbase, must } from "./client";

export async function sendInvoice(supabase: Fieldbase, invoiceId: string) {
  const invoice = must(await supabase.rpc("send_invoice", { invoice_id: invoiceId }));
  return { number: invoice.number, dueOn: invoice.due_on, totalCents: invoice.total_cents };
}

export async function recordPayment(
  supabase: Fieldbase,
  invoiceId: string,
  amountCents: number,
  method: Enums<"payment_method">,
  idempotencyKey: string = crypto.randomUUID(),
) {
  // Keep the key with the form until it succeeds: resubmitting with it is always safe.
  const payment = must(
    await supabase.rpc("record_payment", {
      invoice_id: invoiceId,
      amount_cents: amountCents,
      method,
      idempotency_key: idempotencyKey,
      reference: "Cheque 1042",
    }),
  );
  const invoice = must(
    await supabase.from("invoices").select("status, balance_cents").eq("id", invoiceId).single(),
  );
  return { paymentId: payment.id, status: invoice.status, balanceCents: invoice.balance_cents };
}
