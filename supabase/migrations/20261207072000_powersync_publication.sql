-- The publication PowerSync replicates from (its default name, powersync): the tables devices
-- sync (powersync/sync-config.yaml) and the two its streams look people up in (memberships,
-- portal_accounts). Deletions reach devices through replication; sync_tombstones is for clients
-- that pull through PostgREST instead.
create publication powersync for table
public.work_orders,
public.work_order_assignments,
public.work_order_assemblies,
public.visits,
public.time_entries,
public.work_order_checklist_items,
public.work_order_notes,
public.backflow_test_reports,
public.customers,
public.customer_contacts,
public.sites,
public.assemblies,
public.memberships,
public.portal_accounts;
