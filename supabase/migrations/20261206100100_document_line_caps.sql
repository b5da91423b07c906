-- Documents have a size a person can read. Nothing bounded the lines of an invoice or an
-- estimate, or the checklist of a work order, and the renderer is linear in them: an invoice of
-- 20,000 lines rendered for 88 s of one worker core into 4,001 pages, again on every send.
-- A field-service document has tens of lines; 500 is generous for the largest commercial job
-- and still renders in about two seconds, so a document holds at most 500 lines (an estimate
-- counts the lines of all its options), refused with a 23514 a frontend can show.

-- Refuses a line that would take its document past the cap. Arguments: the documents' table,
-- the lines' column naming it, the cap, and how the message names the document. The document is
-- locked first, so two transactions adding lines at once count each other's. An unknown
-- document counts no lines: its foreign key refuses the row, the same way for every caller.
create or replace function private.limit_lines_per_document() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  document_id uuid := (to_jsonb(new) ->> tg_argv[1])::uuid;
  cap integer := tg_argv[2]::integer;
  existing integer;
begin
  if tg_op = 'UPDATE' and document_id is not distinct from (to_jsonb(old) ->> tg_argv[1])::uuid then
    return new;
  end if;
  execute format(
    'select 1 from public.%I as d where d.organization_id = $1 and d.id = $2 for no key update',
    tg_argv[0]
  ) using new.organization_id, document_id;
  execute format(
    'select count(*)::integer from public.%I as l where l.organization_id = $1 and l.%I = $2',
    tg_table_name, tg_argv[1]
  ) into existing using new.organization_id, document_id;
  if existing >= cap then
    raise exception '% has at most % lines', tg_argv[3], cap
    using errcode = '23514', constraint = tg_table_name || '_per_document_cap',
      hint = 'Split the work into several documents, or group lines into fewer, broader ones.';
  end if;
  return new;
end
$$;
revoke all on function private.limit_lines_per_document() from public;

-- Named to run after the draft check (0_) and before the line is filled in (1_fill).
create trigger invoice_lines_1_cap
before insert or update of invoice_id on public.invoice_lines
for each row execute function private.limit_lines_per_document('invoices', 'invoice_id', '500', 'An invoice');

create trigger estimate_lines_1_cap
before insert or update of estimate_id on public.estimate_lines
for each row execute function private.limit_lines_per_document(
  'estimates', 'estimate_id', '500', 'An estimate'
);

create trigger work_order_checklist_items_0_cap
before insert or update of work_order_id on public.work_order_checklist_items
for each row execute function private.limit_lines_per_document(
  'work_orders', 'work_order_id', '500', 'A work order checklist'
);
