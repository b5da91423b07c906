-- So a company can also leave with its work: work orders and assemblies join the exports
-- (export_lines follows in the next migration). A migration of its own, as an enum value cannot
-- be used in the transaction that adds it.
alter type public.export_kind add value if not exists 'work_orders';
alter type public.export_kind add value if not exists 'assemblies';

comment on type public.export_kind is
'What an export contains, as CSV: customers, invoices, payments, test reports, work orders or '
'assemblies; or everything, a zip with one CSV per table of the organization.';
