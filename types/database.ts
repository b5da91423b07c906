export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  // Allows to automatically instantiate createClient with right options
  // instead of createClient<Database, { PostgrestVersion: 'XX' }>(URL, KEY)
  __InternalSupabase: {
    PostgrestVersion: "13"
  }
  public: {
    Tables: {
      activity: {
        Row: {
          actor_id: string | null
          created_at: string
          data: NonNullable<Json>
          id: number
          organization_id: string
          subject_id: string | null
          subject_type: string
          summary: string
          verb: string
        }
        Insert: {
          actor_id?: string | null
          created_at?: string
          data?: NonNullable<Json>
          id?: never
          organization_id: string
          subject_id?: string | null
          subject_type: string
          summary: string
          verb: string
        }
        Update: {
          actor_id?: string | null
          created_at?: string
          data?: NonNullable<Json>
          id?: never
          organization_id?: string
          subject_id?: string | null
          subject_type?: string
          summary?: string
          verb?: string
        }
        Relationships: [
          {
            foreignKeyName: "activity_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "activity_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      assemblies: {
        Row: {
          created_at: string
          hazard: string | null
          id: string
          installed_on: string | null
          kind: Database["public"]["Enums"]["assembly_kind"]
          last_tested_on: string | null
          location_at_site: string | null
          make: string | null
          model: string | null
          next_due_on: string | null
          notes: string | null
          organization_id: string
          serial_key: string | null
          serial_number: string
          service_type: string | null
          site_id: string
          size: string | null
          status: Database["public"]["Enums"]["assembly_status"]
          test_interval_months: number
          updated_at: string
        }
        Insert: {
          created_at?: string
          hazard?: string | null
          id?: string
          installed_on?: string | null
          kind: Database["public"]["Enums"]["assembly_kind"]
          last_tested_on?: string | null
          location_at_site?: string | null
          make?: string | null
          model?: string | null
          next_due_on?: never
          notes?: string | null
          organization_id: string
          serial_key?: never
          serial_number: string
          service_type?: string | null
          site_id: string
          size?: string | null
          status?: Database["public"]["Enums"]["assembly_status"]
          test_interval_months?: number
          updated_at?: string
        }
        Update: {
          created_at?: string
          hazard?: string | null
          id?: string
          installed_on?: string | null
          kind?: Database["public"]["Enums"]["assembly_kind"]
          last_tested_on?: string | null
          location_at_site?: string | null
          make?: string | null
          model?: string | null
          next_due_on?: never
          notes?: string | null
          organization_id?: string
          serial_key?: never
          serial_number?: string
          service_type?: string | null
          site_id?: string
          size?: string | null
          status?: Database["public"]["Enums"]["assembly_status"]
          test_interval_months?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "assemblies_site_fkey"
            columns: ["organization_id", "site_id"]
            isOneToOne: false
            referencedRelation: "sites"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      audit_log: {
        Row: {
          action: string
          actor_id: string | null
          actor_role: string
          id: number
          ip_address: unknown
          new_values: Json | null
          occurred_at: string
          old_values: Json | null
          organization_id: string
          record_id: string | null
          table_name: string
          user_agent: string | null
        }
        Insert: {
          action: string
          actor_id?: string | null
          actor_role: string
          id?: never
          ip_address?: unknown
          new_values?: Json | null
          occurred_at?: string
          old_values?: Json | null
          organization_id: string
          record_id?: string | null
          table_name: string
          user_agent?: string | null
        }
        Update: {
          action?: string
          actor_id?: string | null
          actor_role?: string
          id?: never
          ip_address?: unknown
          new_values?: Json | null
          occurred_at?: string
          old_values?: Json | null
          organization_id?: string
          record_id?: string | null
          table_name?: string
          user_agent?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "audit_log_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "audit_log_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      authority_submission_batches: {
        Row: {
          created_at: string
          error: string | null
          id: string
          organization_id: string
          period_end: string
          period_start: string
          reference: string | null
          report_count: number
          sent_at: string | null
          status: string
          submission_method: Database["public"]["Enums"]["report_submission_method"]
          water_authority_id: string
        }
        Insert: {
          created_at?: string
          error?: string | null
          id?: string
          organization_id: string
          period_end: string
          period_start: string
          reference?: string | null
          report_count: number
          sent_at?: string | null
          status?: string
          submission_method: Database["public"]["Enums"]["report_submission_method"]
          water_authority_id: string
        }
        Update: {
          created_at?: string
          error?: string | null
          id?: string
          organization_id?: string
          period_end?: string
          period_start?: string
          reference?: string | null
          report_count?: number
          sent_at?: string | null
          status?: string
          submission_method?: Database["public"]["Enums"]["report_submission_method"]
          water_authority_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "authority_submission_batches_authority_fkey"
            columns: ["organization_id", "water_authority_id"]
            isOneToOne: false
            referencedRelation: "water_authorities"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "authority_submission_batches_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "authority_submission_batches_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      backflow_test_reports: {
        Row: {
          air_gap_inches: number | null
          air_inlet_opening_psid: number | null
          assembly_id: string
          certification_id: string | null
          check_valve_1_psid: number | null
          check_valve_2_psid: number | null
          created_at: string
          failed_checks: string[]
          finalized_at: string | null
          finalized_by: string | null
          gauge_id: string | null
          id: string
          import_id: string | null
          imported: boolean
          imported_gauge: string | null
          imported_tester: string | null
          initial_air_inlet_opening_psid: number | null
          initial_check_valve_1_psid: number | null
          initial_check_valve_2_psid: number | null
          initial_relief_valve_opening_psid: number | null
          line_pressure_psi: number | null
          notes: string | null
          organization_id: string
          relief_valve_opening_psid: number | null
          repair_parts: string | null
          repairs: string | null
          result: Database["public"]["Enums"]["backflow_result"] | null
          retest_of_id: string | null
          shutoff_valve_1_tight: boolean | null
          shutoff_valve_2_tight: boolean | null
          status: Database["public"]["Enums"]["backflow_report_status"]
          submission_batch_id: string | null
          submission_queued_at: string | null
          submission_reference: string | null
          submitted_at: string | null
          submitted_via:
            | Database["public"]["Enums"]["report_submission_method"]
            | null
          supply_pipe_diameter_inches: number | null
          tested_on: string
          updated_at: string
          user_id: string
          version: number
          work_order_id: string | null
        }
        Insert: {
          air_gap_inches?: number | null
          air_inlet_opening_psid?: number | null
          assembly_id: string
          certification_id?: string | null
          check_valve_1_psid?: number | null
          check_valve_2_psid?: number | null
          created_at?: string
          failed_checks?: string[]
          finalized_at?: string | null
          finalized_by?: string | null
          gauge_id?: string | null
          id?: string
          import_id?: string | null
          imported?: boolean
          imported_gauge?: string | null
          imported_tester?: string | null
          initial_air_inlet_opening_psid?: number | null
          initial_check_valve_1_psid?: number | null
          initial_check_valve_2_psid?: number | null
          initial_relief_valve_opening_psid?: number | null
          line_pressure_psi?: number | null
          notes?: string | null
          organization_id: string
          relief_valve_opening_psid?: number | null
          repair_parts?: string | null
          repairs?: string | null
          result?: Database["public"]["Enums"]["backflow_result"] | null
          retest_of_id?: string | null
          shutoff_valve_1_tight?: boolean | null
          shutoff_valve_2_tight?: boolean | null
          status?: Database["public"]["Enums"]["backflow_report_status"]
          submission_batch_id?: string | null
          submission_queued_at?: string | null
          submission_reference?: string | null
          submitted_at?: string | null
          submitted_via?:
            | Database["public"]["Enums"]["report_submission_method"]
            | null
          supply_pipe_diameter_inches?: number | null
          tested_on: string
          updated_at?: string
          user_id?: string
          version?: number
          work_order_id?: string | null
        }
        Update: {
          air_gap_inches?: number | null
          air_inlet_opening_psid?: number | null
          assembly_id?: string
          certification_id?: string | null
          check_valve_1_psid?: number | null
          check_valve_2_psid?: number | null
          created_at?: string
          failed_checks?: string[]
          finalized_at?: string | null
          finalized_by?: string | null
          gauge_id?: string | null
          id?: string
          import_id?: string | null
          imported?: boolean
          imported_gauge?: string | null
          imported_tester?: string | null
          initial_air_inlet_opening_psid?: number | null
          initial_check_valve_1_psid?: number | null
          initial_check_valve_2_psid?: number | null
          initial_relief_valve_opening_psid?: number | null
          line_pressure_psi?: number | null
          notes?: string | null
          organization_id?: string
          relief_valve_opening_psid?: number | null
          repair_parts?: string | null
          repairs?: string | null
          result?: Database["public"]["Enums"]["backflow_result"] | null
          retest_of_id?: string | null
          shutoff_valve_1_tight?: boolean | null
          shutoff_valve_2_tight?: boolean | null
          status?: Database["public"]["Enums"]["backflow_report_status"]
          submission_batch_id?: string | null
          submission_queued_at?: string | null
          submission_reference?: string | null
          submitted_at?: string | null
          submitted_via?:
            | Database["public"]["Enums"]["report_submission_method"]
            | null
          supply_pipe_diameter_inches?: number | null
          tested_on?: string
          updated_at?: string
          user_id?: string
          version?: number
          work_order_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "backflow_test_reports_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies_due"
            referencedColumns: ["organization_id", "assembly_id"]
          },
          {
            foreignKeyName: "backflow_test_reports_certification_fkey"
            columns: ["organization_id", "certification_id"]
            isOneToOne: false
            referencedRelation: "tester_certifications"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_gauge_fkey"
            columns: ["organization_id", "gauge_id"]
            isOneToOne: false
            referencedRelation: "test_gauges"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_import_fkey"
            columns: ["organization_id", "import_id"]
            isOneToOne: false
            referencedRelation: "imports"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "backflow_test_reports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "backflow_test_reports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "backflow_test_reports_retest_fkey"
            columns: ["organization_id", "assembly_id", "retest_of_id"]
            isOneToOne: false
            referencedRelation: "backflow_test_reports"
            referencedColumns: ["organization_id", "assembly_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_submission_batch_fkey"
            columns: ["organization_id", "submission_batch_id"]
            isOneToOne: false
            referencedRelation: "authority_submission_batches"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "backflow_test_reports_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      backflow_test_thresholds: {
        Row: {
          kind: Database["public"]["Enums"]["assembly_kind"]
          label: string
          minimum_psid: number
          reading: string
        }
        Insert: {
          kind: Database["public"]["Enums"]["assembly_kind"]
          label: string
          minimum_psid: number
          reading: string
        }
        Update: {
          kind?: Database["public"]["Enums"]["assembly_kind"]
          label?: string
          minimum_psid?: number
          reading?: string
        }
        Relationships: []
      }
      billing_sessions: {
        Row: {
          billing_interval: string | null
          created_at: string
          error: string | null
          expires_at: string | null
          id: string
          kind: string
          organization_id: string
          plan_id: string | null
          requested_by: string | null
          status: string
          updated_at: string
          url: string | null
        }
        Insert: {
          billing_interval?: string | null
          created_at?: string
          error?: string | null
          expires_at?: string | null
          id?: string
          kind: string
          organization_id: string
          plan_id?: string | null
          requested_by?: string | null
          status?: string
          updated_at?: string
          url?: string | null
        }
        Update: {
          billing_interval?: string | null
          created_at?: string
          error?: string | null
          expires_at?: string | null
          id?: string
          kind?: string
          organization_id?: string
          plan_id?: string | null
          requested_by?: string | null
          status?: string
          updated_at?: string
          url?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "billing_sessions_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "billing_sessions_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "billing_sessions_plan_id_fkey"
            columns: ["plan_id"]
            isOneToOne: false
            referencedRelation: "plans"
            referencedColumns: ["id"]
          },
        ]
      }
      billing_settings: {
        Row: {
          created_at: string
          estimate_valid_days: number
          id: string
          organization_id: string
          pay_url_template: string | null
          payment_terms_days: number
          reminder_days: number[]
          stripe_account_id: string | null
          technicians_see_prices: boolean
          updated_at: string
        }
        Insert: {
          created_at?: string
          estimate_valid_days?: number
          id?: string
          organization_id: string
          pay_url_template?: string | null
          payment_terms_days?: number
          reminder_days?: number[]
          stripe_account_id?: string | null
          technicians_see_prices?: boolean
          updated_at?: string
        }
        Update: {
          created_at?: string
          estimate_valid_days?: number
          id?: string
          organization_id?: string
          pay_url_template?: string | null
          payment_terms_days?: number
          reminder_days?: number[]
          stripe_account_id?: string | null
          technicians_see_prices?: boolean
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "billing_settings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: true
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "billing_settings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: true
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      business_hours: {
        Row: {
          closes: string
          id: string
          opens: string
          organization_id: string
          weekday: number
        }
        Insert: {
          closes: string
          id?: string
          opens: string
          organization_id: string
          weekday: number
        }
        Update: {
          closes?: string
          id?: string
          opens?: string
          organization_id?: string
          weekday?: number
        }
        Relationships: [
          {
            foreignKeyName: "business_hours_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "business_hours_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      communications: {
        Row: {
          address: string
          body: string | null
          channel: string
          contact_id: string | null
          created_at: string
          customer_id: string | null
          delivered_at: string | null
          direction: string
          error: string | null
          essential: boolean
          id: string
          job_id: number | null
          organization_id: string
          provider_id: string | null
          sent_at: string | null
          status: string
          template: string | null
          updated_at: string
          visit_id: string | null
        }
        Insert: {
          address: string
          body?: string | null
          channel: string
          contact_id?: string | null
          created_at?: string
          customer_id?: string | null
          delivered_at?: string | null
          direction?: string
          error?: string | null
          essential?: boolean
          id?: string
          job_id?: number | null
          organization_id: string
          provider_id?: string | null
          sent_at?: string | null
          status?: string
          template?: string | null
          updated_at?: string
          visit_id?: string | null
        }
        Update: {
          address?: string
          body?: string | null
          channel?: string
          contact_id?: string | null
          created_at?: string
          customer_id?: string | null
          delivered_at?: string | null
          direction?: string
          error?: string | null
          essential?: boolean
          id?: string
          job_id?: number | null
          organization_id?: string
          provider_id?: string | null
          sent_at?: string | null
          status?: string
          template?: string | null
          updated_at?: string
          visit_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "communications_contact_fkey"
            columns: ["organization_id", "contact_id"]
            isOneToOne: false
            referencedRelation: "customer_contacts"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "communications_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "communications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "communications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "communications_visit_fkey"
            columns: ["organization_id", "visit_id"]
            isOneToOne: false
            referencedRelation: "technician_day"
            referencedColumns: ["organization_id", "visit_id"]
          },
          {
            foreignKeyName: "communications_visit_fkey"
            columns: ["organization_id", "visit_id"]
            isOneToOne: false
            referencedRelation: "visits"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      credit_notes: {
        Row: {
          amount_cents: number
          created_at: string
          created_by: string | null
          id: string
          invoice_id: string
          number: number
          organization_id: string
          reason: string
        }
        Insert: {
          amount_cents: number
          created_at?: string
          created_by?: string | null
          id?: string
          invoice_id: string
          number: number
          organization_id: string
          reason: string
        }
        Update: {
          amount_cents?: number
          created_at?: string
          created_by?: string | null
          id?: string
          invoice_id?: string
          number?: number
          organization_id?: string
          reason?: string
        }
        Relationships: [
          {
            foreignKeyName: "credit_notes_invoice_fkey"
            columns: ["organization_id", "invoice_id"]
            isOneToOne: false
            referencedRelation: "invoices"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "credit_notes_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "credit_notes_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      customer_contacts: {
        Row: {
          created_at: string
          customer_id: string
          email: string | null
          id: string
          is_primary: boolean
          message_channels: string
          name: string
          organization_id: string
          phone: string | null
          role: string | null
          updated_at: string
        }
        Insert: {
          created_at?: string
          customer_id: string
          email?: string | null
          id?: string
          is_primary?: boolean
          message_channels?: string
          name: string
          organization_id: string
          phone?: string | null
          role?: string | null
          updated_at?: string
        }
        Update: {
          created_at?: string
          customer_id?: string
          email?: string | null
          id?: string
          is_primary?: boolean
          message_channels?: string
          name?: string
          organization_id?: string
          phone?: string | null
          role?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "customer_contacts_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "customer_contacts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "customer_contacts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      customers: {
        Row: {
          billing_city: string | null
          billing_country: string
          billing_line1: string | null
          billing_line2: string | null
          billing_postal_code: string | null
          billing_region: string | null
          created_at: string
          created_by: string | null
          deleted_at: string | null
          email: string | null
          id: string
          kind: Database["public"]["Enums"]["customer_kind"]
          match_key: string | null
          name: string
          notes: string | null
          organization_id: string
          phone: string | null
          search_text: string | null
          tags: string[]
          updated_at: string
          water_account_number: string | null
        }
        Insert: {
          billing_city?: string | null
          billing_country?: string
          billing_line1?: string | null
          billing_line2?: string | null
          billing_postal_code?: string | null
          billing_region?: string | null
          created_at?: string
          created_by?: string | null
          deleted_at?: string | null
          email?: string | null
          id?: string
          kind?: Database["public"]["Enums"]["customer_kind"]
          match_key?: never
          name: string
          notes?: string | null
          organization_id: string
          phone?: string | null
          search_text?: never
          tags?: string[]
          updated_at?: string
          water_account_number?: string | null
        }
        Update: {
          billing_city?: string | null
          billing_country?: string
          billing_line1?: string | null
          billing_line2?: string | null
          billing_postal_code?: string | null
          billing_region?: string | null
          created_at?: string
          created_by?: string | null
          deleted_at?: string | null
          email?: string | null
          id?: string
          kind?: Database["public"]["Enums"]["customer_kind"]
          match_key?: never
          name?: string
          notes?: string | null
          organization_id?: string
          phone?: string | null
          search_text?: never
          tags?: string[]
          updated_at?: string
          water_account_number?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "customers_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "customers_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      documents: {
        Row: {
          content_type: string
          created_at: string
          id: string
          job_id: number | null
          kind: string
          organization_id: string
          page_count: number
          sha256: string
          size_bytes: number
          source_id: string | null
          source_type: string | null
          storage_bucket: string
          storage_path: string
          title: string
          updated_at: string
        }
        Insert: {
          content_type?: string
          created_at?: string
          id?: string
          job_id?: number | null
          kind: string
          organization_id: string
          page_count: number
          sha256: string
          size_bytes: number
          source_id?: string | null
          source_type?: string | null
          storage_bucket?: string
          storage_path: string
          title: string
          updated_at?: string
        }
        Update: {
          content_type?: string
          created_at?: string
          id?: string
          job_id?: number | null
          kind?: string
          organization_id?: string
          page_count?: number
          sha256?: string
          size_bytes?: number
          source_id?: string | null
          source_type?: string | null
          storage_bucket?: string
          storage_path?: string
          title?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "documents_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "documents_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      estimate_lines: {
        Row: {
          description: string | null
          discount_cents: number | null
          discount_percent: number
          estimate_id: string
          id: string
          net_cents: number | null
          option_id: string
          organization_id: string
          position: number
          price_book_item_id: string | null
          quantity: number
          subtotal_cents: number | null
          tax_rate: number
          taxable: boolean
          unit: string | null
          unit_price_cents: number | null
        }
        Insert: {
          description?: string | null
          discount_cents?: never
          discount_percent?: number
          estimate_id: string
          id?: string
          net_cents?: never
          option_id: string
          organization_id: string
          position?: number
          price_book_item_id?: string | null
          quantity?: number
          subtotal_cents?: never
          tax_rate: number
          taxable?: boolean
          unit?: string | null
          unit_price_cents?: number | null
        }
        Update: {
          description?: string | null
          discount_cents?: never
          discount_percent?: number
          estimate_id?: string
          id?: string
          net_cents?: never
          option_id?: string
          organization_id?: string
          position?: number
          price_book_item_id?: string | null
          quantity?: number
          subtotal_cents?: never
          tax_rate?: number
          taxable?: boolean
          unit?: string | null
          unit_price_cents?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "estimate_lines_item_fkey"
            columns: ["organization_id", "price_book_item_id"]
            isOneToOne: false
            referencedRelation: "price_book_items"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "estimate_lines_option_fkey"
            columns: ["organization_id", "estimate_id", "option_id"]
            isOneToOne: false
            referencedRelation: "estimate_options"
            referencedColumns: ["organization_id", "estimate_id", "id"]
          },
          {
            foreignKeyName: "estimate_lines_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "estimate_lines_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      estimate_options: {
        Row: {
          description: string | null
          discount_cents: number
          estimate_id: string
          id: string
          name: string
          organization_id: string
          position: number
          subtotal_cents: number
          tax_cents: number
          total_cents: number | null
        }
        Insert: {
          description?: string | null
          discount_cents?: number
          estimate_id: string
          id?: string
          name?: string
          organization_id: string
          position?: number
          subtotal_cents?: number
          tax_cents?: number
          total_cents?: never
        }
        Update: {
          description?: string | null
          discount_cents?: number
          estimate_id?: string
          id?: string
          name?: string
          organization_id?: string
          position?: number
          subtotal_cents?: number
          tax_cents?: number
          total_cents?: never
        }
        Relationships: [
          {
            foreignKeyName: "estimate_options_estimate_fkey"
            columns: ["organization_id", "estimate_id"]
            isOneToOne: false
            referencedRelation: "estimates"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "estimate_options_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "estimate_options_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      estimate_transitions: {
        Row: {
          from_status: Database["public"]["Enums"]["estimate_status"]
          to_status: Database["public"]["Enums"]["estimate_status"]
        }
        Insert: {
          from_status: Database["public"]["Enums"]["estimate_status"]
          to_status: Database["public"]["Enums"]["estimate_status"]
        }
        Update: {
          from_status?: Database["public"]["Enums"]["estimate_status"]
          to_status?: Database["public"]["Enums"]["estimate_status"]
        }
        Relationships: []
      }
      estimates: {
        Row: {
          approved_option_id: string | null
          created_at: string
          created_by: string | null
          currency: string
          customer_id: string
          decided_at: string | null
          decided_by: string | null
          decided_by_name: string | null
          decline_reason: string | null
          id: string
          invoice_id: string | null
          notes: string | null
          number: number
          organization_id: string
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["estimate_status"]
          title: string
          updated_at: string
          valid_until: string | null
          work_order_id: string | null
        }
        Insert: {
          approved_option_id?: string | null
          created_at?: string
          created_by?: string | null
          currency: string
          customer_id: string
          decided_at?: string | null
          decided_by?: string | null
          decided_by_name?: string | null
          decline_reason?: string | null
          id?: string
          invoice_id?: string | null
          notes?: string | null
          number: number
          organization_id: string
          sent_at?: string | null
          site_id?: string | null
          status?: Database["public"]["Enums"]["estimate_status"]
          title: string
          updated_at?: string
          valid_until?: string | null
          work_order_id?: string | null
        }
        Update: {
          approved_option_id?: string | null
          created_at?: string
          created_by?: string | null
          currency?: string
          customer_id?: string
          decided_at?: string | null
          decided_by?: string | null
          decided_by_name?: string | null
          decline_reason?: string | null
          id?: string
          invoice_id?: string | null
          notes?: string | null
          number?: number
          organization_id?: string
          sent_at?: string | null
          site_id?: string | null
          status?: Database["public"]["Enums"]["estimate_status"]
          title?: string
          updated_at?: string
          valid_until?: string | null
          work_order_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "estimates_approved_option_fkey"
            columns: ["organization_id", "id", "approved_option_id"]
            isOneToOne: false
            referencedRelation: "estimate_options"
            referencedColumns: ["organization_id", "estimate_id", "id"]
          },
          {
            foreignKeyName: "estimates_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "estimates_invoice_fkey"
            columns: ["organization_id", "invoice_id"]
            isOneToOne: false
            referencedRelation: "invoices"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "estimates_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "estimates_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "estimates_site_fkey"
            columns: ["organization_id", "customer_id", "site_id"]
            isOneToOne: false
            referencedRelation: "sites"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
          {
            foreignKeyName: "estimates_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      exports: {
        Row: {
          completed_at: string | null
          created_at: string
          error: string | null
          id: string
          kind: Database["public"]["Enums"]["export_kind"]
          organization_id: string
          requested_by: string | null
          row_count: number | null
          size_bytes: number | null
          status: Database["public"]["Enums"]["export_status"]
          storage_path: string | null
        }
        Insert: {
          completed_at?: string | null
          created_at?: string
          error?: string | null
          id?: string
          kind: Database["public"]["Enums"]["export_kind"]
          organization_id: string
          requested_by?: string | null
          row_count?: number | null
          size_bytes?: number | null
          status?: Database["public"]["Enums"]["export_status"]
          storage_path?: string | null
        }
        Update: {
          completed_at?: string | null
          created_at?: string
          error?: string | null
          id?: string
          kind?: Database["public"]["Enums"]["export_kind"]
          organization_id?: string
          requested_by?: string | null
          row_count?: number | null
          size_bytes?: number | null
          status?: Database["public"]["Enums"]["export_status"]
          storage_path?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "exports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "exports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      feature_flags: {
        Row: {
          description: string
          enabled: boolean
          key: string
          updated_at: string
        }
        Insert: {
          description?: string
          enabled?: boolean
          key: string
          updated_at?: string
        }
        Update: {
          description?: string
          enabled?: boolean
          key?: string
          updated_at?: string
        }
        Relationships: []
      }
      import_fields: {
        Row: {
          entity: string
          field: string
          guesses: string[]
          kinds: Database["public"]["Enums"]["import_kind"][]
          label: string
          max_length: number | null
          position: number
          required_for: Database["public"]["Enums"]["import_kind"][]
          target_column: string
          value_type: string
        }
        Insert: {
          entity: string
          field: string
          guesses?: string[]
          kinds: Database["public"]["Enums"]["import_kind"][]
          label: string
          max_length?: number | null
          position: number
          required_for?: Database["public"]["Enums"]["import_kind"][]
          target_column: string
          value_type: string
        }
        Update: {
          entity?: string
          field?: string
          guesses?: string[]
          kinds?: Database["public"]["Enums"]["import_kind"][]
          label?: string
          max_length?: number | null
          position?: number
          required_for?: Database["public"]["Enums"]["import_kind"][]
          target_column?: string
          value_type?: string
        }
        Relationships: []
      }
      import_mappings: {
        Row: {
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          updated_at: string
        }
        Insert: {
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          updated_at?: string
        }
        Update: {
          kind?: Database["public"]["Enums"]["import_kind"]
          mapping?: NonNullable<Json>
          organization_id?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "import_mappings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "import_mappings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      import_rows: {
        Row: {
          assembly_action: string | null
          assembly_id: string | null
          authority_id: string | null
          cell_errors: Json | null
          cells: NonNullable<Json>
          contact_action: string | null
          contact_id: string | null
          customer_action: string | null
          customer_id: string | null
          errors: NonNullable<Json>
          extra_cells: number
          fields: Json | null
          import_id: string
          organization_id: string
          report_action: string | null
          report_id: string | null
          row_number: number
          site_action: string | null
          site_id: string | null
        }
        Insert: {
          assembly_action?: string | null
          assembly_id?: string | null
          authority_id?: string | null
          cell_errors?: Json | null
          cells: NonNullable<Json>
          contact_action?: string | null
          contact_id?: string | null
          customer_action?: string | null
          customer_id?: string | null
          errors?: NonNullable<Json>
          extra_cells?: number
          fields?: Json | null
          import_id: string
          organization_id: string
          report_action?: string | null
          report_id?: string | null
          row_number: number
          site_action?: string | null
          site_id?: string | null
        }
        Update: {
          assembly_action?: string | null
          assembly_id?: string | null
          authority_id?: string | null
          cell_errors?: Json | null
          cells?: NonNullable<Json>
          contact_action?: string | null
          contact_id?: string | null
          customer_action?: string | null
          customer_id?: string | null
          errors?: NonNullable<Json>
          extra_cells?: number
          fields?: Json | null
          import_id?: string
          organization_id?: string
          report_action?: string | null
          report_id?: string | null
          row_number?: number
          site_action?: string | null
          site_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "import_rows_import_fkey"
            columns: ["organization_id", "import_id"]
            isOneToOne: false
            referencedRelation: "imports"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      imports: {
        Row: {
          committed_at: string | null
          created_at: string
          dry_run: boolean
          encoding: string | null
          error: string | null
          file_format: string | null
          headers: string[] | null
          id: string
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          processed_rows: number
          refused_rows_path: string | null
          requested_by: string | null
          status: Database["public"]["Enums"]["import_status"]
          storage_path: string
          summary: NonNullable<Json>
          total_rows: number | null
          unknown_columns: string[]
          updated_at: string
          validated_at: string | null
        }
        Insert: {
          committed_at?: string | null
          created_at?: string
          dry_run?: boolean
          encoding?: string | null
          error?: string | null
          file_format?: string | null
          headers?: string[] | null
          id?: string
          kind: Database["public"]["Enums"]["import_kind"]
          mapping?: NonNullable<Json>
          organization_id: string
          processed_rows?: number
          refused_rows_path?: string | null
          requested_by?: string | null
          status?: Database["public"]["Enums"]["import_status"]
          storage_path: string
          summary?: NonNullable<Json>
          total_rows?: number | null
          unknown_columns?: string[]
          updated_at?: string
          validated_at?: string | null
        }
        Update: {
          committed_at?: string | null
          created_at?: string
          dry_run?: boolean
          encoding?: string | null
          error?: string | null
          file_format?: string | null
          headers?: string[] | null
          id?: string
          kind?: Database["public"]["Enums"]["import_kind"]
          mapping?: NonNullable<Json>
          organization_id?: string
          processed_rows?: number
          refused_rows_path?: string | null
          requested_by?: string | null
          status?: Database["public"]["Enums"]["import_status"]
          storage_path?: string
          summary?: NonNullable<Json>
          total_rows?: number | null
          unknown_columns?: string[]
          updated_at?: string
          validated_at?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "imports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "imports_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      invitations: {
        Row: {
          accepted_at: string | null
          accepted_by: string | null
          created_at: string
          email: string
          expires_at: string
          id: string
          invited_by: string | null
          organization_id: string
          revoked_at: string | null
          role: Database["public"]["Enums"]["member_role"]
          token_hash: string
        }
        Insert: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          email: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          organization_id: string
          revoked_at?: string | null
          role?: Database["public"]["Enums"]["member_role"]
          token_hash: string
        }
        Update: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          email?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          organization_id?: string
          revoked_at?: string | null
          role?: Database["public"]["Enums"]["member_role"]
          token_hash?: string
        }
        Relationships: [
          {
            foreignKeyName: "invitations_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "invitations_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      invoice_lines: {
        Row: {
          description: string | null
          discount_cents: number | null
          discount_percent: number
          id: string
          invoice_id: string
          net_cents: number | null
          organization_id: string
          position: number
          price_book_item_id: string | null
          quantity: number
          subtotal_cents: number | null
          tax_rate: number
          taxable: boolean
          unit: string | null
          unit_price_cents: number | null
        }
        Insert: {
          description?: string | null
          discount_cents?: never
          discount_percent?: number
          id?: string
          invoice_id: string
          net_cents?: never
          organization_id: string
          position?: number
          price_book_item_id?: string | null
          quantity?: number
          subtotal_cents?: never
          tax_rate: number
          taxable?: boolean
          unit?: string | null
          unit_price_cents?: number | null
        }
        Update: {
          description?: string | null
          discount_cents?: never
          discount_percent?: number
          id?: string
          invoice_id?: string
          net_cents?: never
          organization_id?: string
          position?: number
          price_book_item_id?: string | null
          quantity?: number
          subtotal_cents?: never
          tax_rate?: number
          taxable?: boolean
          unit?: string | null
          unit_price_cents?: number | null
        }
        Relationships: [
          {
            foreignKeyName: "invoice_lines_invoice_fkey"
            columns: ["organization_id", "invoice_id"]
            isOneToOne: false
            referencedRelation: "invoices"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoice_lines_item_fkey"
            columns: ["organization_id", "price_book_item_id"]
            isOneToOne: false
            referencedRelation: "price_book_items"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoice_lines_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "invoice_lines_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      invoice_reminders: {
        Row: {
          id: string
          invoice_id: string
          organization_id: string
          sent_at: string
          step: number
        }
        Insert: {
          id?: string
          invoice_id: string
          organization_id: string
          sent_at?: string
          step: number
        }
        Update: {
          id?: string
          invoice_id?: string
          organization_id?: string
          sent_at?: string
          step?: number
        }
        Relationships: [
          {
            foreignKeyName: "invoice_reminders_invoice_fkey"
            columns: ["organization_id", "invoice_id"]
            isOneToOne: false
            referencedRelation: "invoices"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoice_reminders_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "invoice_reminders_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      invoice_transitions: {
        Row: {
          from_status: Database["public"]["Enums"]["invoice_status"]
          to_status: Database["public"]["Enums"]["invoice_status"]
        }
        Insert: {
          from_status: Database["public"]["Enums"]["invoice_status"]
          to_status: Database["public"]["Enums"]["invoice_status"]
        }
        Update: {
          from_status?: Database["public"]["Enums"]["invoice_status"]
          to_status?: Database["public"]["Enums"]["invoice_status"]
        }
        Relationships: []
      }
      invoices: {
        Row: {
          agreement_id: string | null
          balance_cents: number | null
          created_at: string
          created_by: string | null
          credited_cents: number
          currency: string
          customer_id: string
          discount_cents: number
          due_on: string | null
          estimate_id: string | null
          id: string
          issued_on: string | null
          notes: string | null
          number: number | null
          organization_id: string
          paid_at: string | null
          paid_cents: number
          payment_reference: string
          payment_terms_days: number
          period_start: string | null
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents: number
          tax_cents: number
          title: string
          total_cents: number | null
          updated_at: string
          void_reason: string | null
          voided_at: string | null
          work_order_id: string | null
        }
        Insert: {
          agreement_id?: string | null
          balance_cents?: never
          created_at?: string
          created_by?: string | null
          credited_cents?: number
          currency: string
          customer_id: string
          discount_cents?: number
          due_on?: string | null
          estimate_id?: string | null
          id?: string
          issued_on?: string | null
          notes?: string | null
          number?: number | null
          organization_id: string
          paid_at?: string | null
          paid_cents?: number
          payment_reference?: string
          payment_terms_days: number
          period_start?: string | null
          sent_at?: string | null
          site_id?: string | null
          status?: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents?: number
          tax_cents?: number
          title: string
          total_cents?: never
          updated_at?: string
          void_reason?: string | null
          voided_at?: string | null
          work_order_id?: string | null
        }
        Update: {
          agreement_id?: string | null
          balance_cents?: never
          created_at?: string
          created_by?: string | null
          credited_cents?: number
          currency?: string
          customer_id?: string
          discount_cents?: number
          due_on?: string | null
          estimate_id?: string | null
          id?: string
          issued_on?: string | null
          notes?: string | null
          number?: number | null
          organization_id?: string
          paid_at?: string | null
          paid_cents?: number
          payment_reference?: string
          payment_terms_days?: number
          period_start?: string | null
          sent_at?: string | null
          site_id?: string | null
          status?: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents?: number
          tax_cents?: number
          title?: string
          total_cents?: never
          updated_at?: string
          void_reason?: string | null
          voided_at?: string | null
          work_order_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "invoices_agreement_fkey"
            columns: ["organization_id", "agreement_id"]
            isOneToOne: false
            referencedRelation: "service_agreements"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoices_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoices_estimate_fkey"
            columns: ["organization_id", "estimate_id"]
            isOneToOne: false
            referencedRelation: "estimates"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "invoices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "invoices_site_fkey"
            columns: ["organization_id", "customer_id", "site_id"]
            isOneToOne: false
            referencedRelation: "sites"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
          {
            foreignKeyName: "invoices_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      memberships: {
        Row: {
          created_at: string
          id: string
          invited_by: string | null
          organization_id: string
          role: Database["public"]["Enums"]["member_role"]
          updated_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          invited_by?: string | null
          organization_id: string
          role?: Database["public"]["Enums"]["member_role"]
          updated_at?: string
          user_id: string
        }
        Update: {
          created_at?: string
          id?: string
          invited_by?: string | null
          organization_id?: string
          role?: Database["public"]["Enums"]["member_role"]
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "memberships_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "memberships_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "memberships_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      message_opt_outs: {
        Row: {
          address: string
          channel: string
          created_at: string
          organization_id: string
          source: string
        }
        Insert: {
          address: string
          channel: string
          created_at?: string
          organization_id: string
          source?: string
        }
        Update: {
          address?: string
          channel?: string
          created_at?: string
          organization_id?: string
          source?: string
        }
        Relationships: [
          {
            foreignKeyName: "message_opt_outs_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "message_opt_outs_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      messaging_settings: {
        Row: {
          organization_id: string
          quiet_hours_end: string
          quiet_hours_start: string
          reminder_time: string
          reminders_enabled: boolean
          review_url: string | null
          sms_from: string | null
          thank_you_enabled: boolean
          updated_at: string
        }
        Insert: {
          organization_id: string
          quiet_hours_end?: string
          quiet_hours_start?: string
          reminder_time?: string
          reminders_enabled?: boolean
          review_url?: string | null
          sms_from?: string | null
          thank_you_enabled?: boolean
          updated_at?: string
        }
        Update: {
          organization_id?: string
          quiet_hours_end?: string
          quiet_hours_start?: string
          reminder_time?: string
          reminders_enabled?: boolean
          review_url?: string | null
          sms_from?: string | null
          thank_you_enabled?: boolean
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "messaging_settings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: true
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "messaging_settings_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: true
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      notifications: {
        Row: {
          body: string | null
          created_at: string
          data: NonNullable<Json>
          id: number
          kind: string
          link: string | null
          organization_id: string
          read_at: string | null
          title: string
          user_id: string
        }
        Insert: {
          body?: string | null
          created_at?: string
          data?: NonNullable<Json>
          id?: never
          kind: string
          link?: string | null
          organization_id: string
          read_at?: string | null
          title: string
          user_id: string
        }
        Update: {
          body?: string | null
          created_at?: string
          data?: NonNullable<Json>
          id?: never
          kind?: string
          link?: string | null
          organization_id?: string
          read_at?: string | null
          title?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "notifications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "notifications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "notifications_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      organization_feature_flags: {
        Row: {
          enabled: boolean
          flag_key: string
          id: string
          organization_id: string
          updated_at: string
        }
        Insert: {
          enabled: boolean
          flag_key: string
          id?: string
          organization_id: string
          updated_at?: string
        }
        Update: {
          enabled?: boolean
          flag_key?: string
          id?: string
          organization_id?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "organization_feature_flags_flag_key_fkey"
            columns: ["flag_key"]
            isOneToOne: false
            referencedRelation: "feature_flags"
            referencedColumns: ["key"]
          },
          {
            foreignKeyName: "organization_feature_flags_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "organization_feature_flags_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      organizations: {
        Row: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        Insert: {
          billing_interval?: string | null
          branding?: NonNullable<Json>
          cancel_at_period_end?: boolean
          cancelled_at?: string | null
          created_at?: string
          created_by?: string | null
          currency?: string
          current_period_end?: string | null
          default_tax_rate?: number
          deleted_at?: string | null
          id?: string
          name: string
          past_due_amount_cents?: number | null
          past_due_since?: string | null
          plan_id?: string
          purge_held_by?: string | null
          purge_hold_reason?: string | null
          require_mfa?: boolean
          slug: string
          status?: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id?: string | null
          stripe_subscription_id?: string | null
          subscription_synced_at?: string | null
          suspended_for?: string | null
          time_zone?: string
          trial_ends_at?: string | null
          updated_at?: string
        }
        Update: {
          billing_interval?: string | null
          branding?: NonNullable<Json>
          cancel_at_period_end?: boolean
          cancelled_at?: string | null
          created_at?: string
          created_by?: string | null
          currency?: string
          current_period_end?: string | null
          default_tax_rate?: number
          deleted_at?: string | null
          id?: string
          name?: string
          past_due_amount_cents?: number | null
          past_due_since?: string | null
          plan_id?: string
          purge_held_by?: string | null
          purge_hold_reason?: string | null
          require_mfa?: boolean
          slug?: string
          status?: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id?: string | null
          stripe_subscription_id?: string | null
          subscription_synced_at?: string | null
          suspended_for?: string | null
          time_zone?: string
          trial_ends_at?: string | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "organizations_plan_id_fkey"
            columns: ["plan_id"]
            isOneToOne: false
            referencedRelation: "plans"
            referencedColumns: ["id"]
          },
        ]
      }
      payment_refunds: {
        Row: {
          amount_cents: number
          id: string
          idempotency_key: string
          invoice_id: string
          organization_id: string
          payment_id: string
          reason: string | null
          recorded_by: string | null
          refunded_at: string
        }
        Insert: {
          amount_cents: number
          id?: string
          idempotency_key: string
          invoice_id: string
          organization_id: string
          payment_id: string
          reason?: string | null
          recorded_by?: string | null
          refunded_at?: string
        }
        Update: {
          amount_cents?: number
          id?: string
          idempotency_key?: string
          invoice_id?: string
          organization_id?: string
          payment_id?: string
          reason?: string | null
          recorded_by?: string | null
          refunded_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_refunds_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "payment_refunds_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "payment_refunds_payment_fkey"
            columns: ["organization_id", "invoice_id", "payment_id"]
            isOneToOne: false
            referencedRelation: "payments"
            referencedColumns: ["organization_id", "invoice_id", "id"]
          },
        ]
      }
      payments: {
        Row: {
          amount_cents: number
          created_at: string
          id: string
          idempotency_key: string
          invoice_id: string
          method: Database["public"]["Enums"]["payment_method"]
          organization_id: string
          received_at: string
          recorded_by: string | null
          reference: string | null
          refunded_cents: number
          stripe_payment_intent_id: string | null
        }
        Insert: {
          amount_cents: number
          created_at?: string
          id?: string
          idempotency_key: string
          invoice_id: string
          method: Database["public"]["Enums"]["payment_method"]
          organization_id: string
          received_at?: string
          recorded_by?: string | null
          reference?: string | null
          refunded_cents?: number
          stripe_payment_intent_id?: string | null
        }
        Update: {
          amount_cents?: number
          created_at?: string
          id?: string
          idempotency_key?: string
          invoice_id?: string
          method?: Database["public"]["Enums"]["payment_method"]
          organization_id?: string
          received_at?: string
          recorded_by?: string | null
          reference?: string | null
          refunded_cents?: number
          stripe_payment_intent_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "payments_invoice_fkey"
            columns: ["organization_id", "invoice_id"]
            isOneToOne: false
            referencedRelation: "invoices"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "payments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "payments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      plans: {
        Row: {
          grace_period_days: number
          id: string
          max_documents_per_month: number | null
          max_emails_per_month: number | null
          max_invitations_per_day: number | null
          max_members: number | null
          max_storage_mb: number | null
          max_technicians: number | null
          max_webhooks_per_month: number | null
          monthly_price_cents: number | null
          name: string
          retention_days: number
          sort_order: number
          stripe_price_monthly: string | null
          stripe_price_yearly: string | null
          yearly_price_cents: number | null
        }
        Insert: {
          grace_period_days?: number
          id: string
          max_documents_per_month?: number | null
          max_emails_per_month?: number | null
          max_invitations_per_day?: number | null
          max_members?: number | null
          max_storage_mb?: number | null
          max_technicians?: number | null
          max_webhooks_per_month?: number | null
          monthly_price_cents?: number | null
          name: string
          retention_days?: number
          sort_order?: number
          stripe_price_monthly?: string | null
          stripe_price_yearly?: string | null
          yearly_price_cents?: number | null
        }
        Update: {
          grace_period_days?: number
          id?: string
          max_documents_per_month?: number | null
          max_emails_per_month?: number | null
          max_invitations_per_day?: number | null
          max_members?: number | null
          max_storage_mb?: number | null
          max_technicians?: number | null
          max_webhooks_per_month?: number | null
          monthly_price_cents?: number | null
          name?: string
          retention_days?: number
          sort_order?: number
          stripe_price_monthly?: string | null
          stripe_price_yearly?: string | null
          yearly_price_cents?: number | null
        }
        Relationships: []
      }
      portal_accounts: {
        Row: {
          accepted_at: string | null
          contact_id: string
          customer_id: string
          email: string
          expires_at: string
          id: string
          invited_at: string
          invited_by: string | null
          organization_id: string
          revoked_at: string | null
          token_hash: string | null
          user_id: string | null
        }
        Insert: {
          accepted_at?: string | null
          contact_id: string
          customer_id: string
          email: string
          expires_at?: string
          id?: string
          invited_at?: string
          invited_by?: string | null
          organization_id: string
          revoked_at?: string | null
          token_hash?: string | null
          user_id?: string | null
        }
        Update: {
          accepted_at?: string | null
          contact_id?: string
          customer_id?: string
          email?: string
          expires_at?: string
          id?: string
          invited_at?: string
          invited_by?: string | null
          organization_id?: string
          revoked_at?: string | null
          token_hash?: string | null
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "portal_accounts_contact_fkey"
            columns: ["organization_id", "customer_id", "contact_id"]
            isOneToOne: false
            referencedRelation: "customer_contacts"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
          {
            foreignKeyName: "portal_accounts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "portal_accounts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      price_book_item_costs: {
        Row: {
          id: string
          item_id: string
          organization_id: string
          unit_cost_cents: number
          updated_at: string
        }
        Insert: {
          id?: string
          item_id: string
          organization_id: string
          unit_cost_cents: number
          updated_at?: string
        }
        Update: {
          id?: string
          item_id?: string
          organization_id?: string
          unit_cost_cents?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "price_book_item_costs_item_fkey"
            columns: ["organization_id", "item_id"]
            isOneToOne: false
            referencedRelation: "price_book_items"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "price_book_item_costs_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "price_book_item_costs_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      price_book_items: {
        Row: {
          active: boolean
          code: string | null
          created_at: string
          description: string | null
          id: string
          kind: Database["public"]["Enums"]["price_book_item_kind"]
          name: string
          organization_id: string
          tax_rate_id: string | null
          taxable: boolean
          unit: string
          unit_price_cents: number
          updated_at: string
        }
        Insert: {
          active?: boolean
          code?: string | null
          created_at?: string
          description?: string | null
          id?: string
          kind?: Database["public"]["Enums"]["price_book_item_kind"]
          name: string
          organization_id: string
          tax_rate_id?: string | null
          taxable?: boolean
          unit?: string
          unit_price_cents: number
          updated_at?: string
        }
        Update: {
          active?: boolean
          code?: string | null
          created_at?: string
          description?: string | null
          id?: string
          kind?: Database["public"]["Enums"]["price_book_item_kind"]
          name?: string
          organization_id?: string
          tax_rate_id?: string | null
          taxable?: boolean
          unit?: string
          unit_price_cents?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "price_book_items_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "price_book_items_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "price_book_items_tax_rate_fkey"
            columns: ["organization_id", "tax_rate_id"]
            isOneToOne: false
            referencedRelation: "tax_rates"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      price_book_prices: {
        Row: {
          changed_by: string | null
          effective_at: string
          id: string
          item_id: string
          organization_id: string
          unit_price_cents: number
        }
        Insert: {
          changed_by?: string | null
          effective_at?: string
          id?: string
          item_id: string
          organization_id: string
          unit_price_cents: number
        }
        Update: {
          changed_by?: string | null
          effective_at?: string
          id?: string
          item_id?: string
          organization_id?: string
          unit_price_cents?: number
        }
        Relationships: [
          {
            foreignKeyName: "price_book_prices_item_fkey"
            columns: ["organization_id", "item_id"]
            isOneToOne: false
            referencedRelation: "price_book_items"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "price_book_prices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "price_book_prices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      profiles: {
        Row: {
          avatar_url: string | null
          created_at: string
          email: string | null
          full_name: string | null
          id: string
          updated_at: string
        }
        Insert: {
          avatar_url?: string | null
          created_at?: string
          email?: string | null
          full_name?: string | null
          id: string
          updated_at?: string
        }
        Update: {
          avatar_url?: string | null
          created_at?: string
          email?: string | null
          full_name?: string | null
          id?: string
          updated_at?: string
        }
        Relationships: []
      }
      service_agreement_assemblies: {
        Row: {
          agreement_id: string
          assembly_id: string
          id: string
          organization_id: string
        }
        Insert: {
          agreement_id: string
          assembly_id: string
          id?: string
          organization_id: string
        }
        Update: {
          agreement_id?: string
          assembly_id?: string
          id?: string
          organization_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "service_agreement_assemblies_agreement_fkey"
            columns: ["organization_id", "agreement_id"]
            isOneToOne: false
            referencedRelation: "service_agreements"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "service_agreement_assemblies_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "service_agreement_assemblies_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies_due"
            referencedColumns: ["organization_id", "assembly_id"]
          },
          {
            foreignKeyName: "service_agreement_assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "service_agreement_assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      service_agreements: {
        Row: {
          active: boolean
          created_at: string
          customer_id: string
          ends_on: string | null
          every_months: number
          id: string
          lead_days: number
          name: string
          organization_id: string
          price_cents: number
          site_id: string
          starts_on: string
          updated_at: string
        }
        Insert: {
          active?: boolean
          created_at?: string
          customer_id: string
          ends_on?: string | null
          every_months?: number
          id?: string
          lead_days?: number
          name: string
          organization_id: string
          price_cents?: number
          site_id: string
          starts_on: string
          updated_at?: string
        }
        Update: {
          active?: boolean
          created_at?: string
          customer_id?: string
          ends_on?: string | null
          every_months?: number
          id?: string
          lead_days?: number
          name?: string
          organization_id?: string
          price_cents?: number
          site_id?: string
          starts_on?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "service_agreements_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "service_agreements_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "service_agreements_site_fkey"
            columns: ["organization_id", "customer_id", "site_id"]
            isOneToOne: false
            referencedRelation: "sites"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
        ]
      }
      signatures: {
        Row: {
          client_address: string | null
          estimate_id: string | null
          id: string
          image_path: string
          organization_id: string
          signed_at: string
          signed_by: string | null
          signer_name: string
          work_order_id: string | null
        }
        Insert: {
          client_address?: string | null
          estimate_id?: string | null
          id?: string
          image_path: string
          organization_id: string
          signed_at?: string
          signed_by?: string | null
          signer_name: string
          work_order_id?: string | null
        }
        Update: {
          client_address?: string | null
          estimate_id?: string | null
          id?: string
          image_path?: string
          organization_id?: string
          signed_at?: string
          signed_by?: string | null
          signer_name?: string
          work_order_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "signatures_estimate_fkey"
            columns: ["organization_id", "estimate_id"]
            isOneToOne: false
            referencedRelation: "estimates"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "signatures_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "signatures_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "signatures_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      sites: {
        Row: {
          access_notes: string | null
          city: string | null
          country: string
          created_at: string
          customer_id: string
          deleted_at: string | null
          id: string
          line1: string
          line2: string | null
          location: unknown
          name: string | null
          organization_id: string
          postal_code: string | null
          region: string | null
          time_zone: string
          updated_at: string
          water_authority_id: string | null
        }
        Insert: {
          access_notes?: string | null
          city?: string | null
          country?: string
          created_at?: string
          customer_id: string
          deleted_at?: string | null
          id?: string
          line1: string
          line2?: string | null
          location?: unknown
          name?: string | null
          organization_id: string
          postal_code?: string | null
          region?: string | null
          time_zone: string
          updated_at?: string
          water_authority_id?: string | null
        }
        Update: {
          access_notes?: string | null
          city?: string | null
          country?: string
          created_at?: string
          customer_id?: string
          deleted_at?: string | null
          id?: string
          line1?: string
          line2?: string | null
          location?: unknown
          name?: string | null
          organization_id?: string
          postal_code?: string | null
          region?: string | null
          time_zone?: string
          updated_at?: string
          water_authority_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "sites_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "sites_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "sites_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "sites_water_authority_fkey"
            columns: ["organization_id", "water_authority_id"]
            isOneToOne: false
            referencedRelation: "water_authorities"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      support_access_grants: {
        Row: {
          expires_at: string
          granted_at: string
          granted_by: string | null
          id: string
          organization_id: string
          reason: string
          revoked_at: string | null
          revoked_by: string | null
        }
        Insert: {
          expires_at: string
          granted_at?: string
          granted_by?: string | null
          id?: string
          organization_id: string
          reason: string
          revoked_at?: string | null
          revoked_by?: string | null
        }
        Update: {
          expires_at?: string
          granted_at?: string
          granted_by?: string | null
          id?: string
          organization_id?: string
          reason?: string
          revoked_at?: string | null
          revoked_by?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "support_access_grants_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "support_access_grants_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      sync_conflicts: {
        Row: {
          created_at: string
          data: Json | null
          error_code: string
          error_message: string
          id: string
          operation: string
          organization_id: string
          resolved_at: string | null
          resolved_by: string | null
          row_id: string | null
          table_name: string
          user_id: string | null
        }
        Insert: {
          created_at?: string
          data?: Json | null
          error_code: string
          error_message: string
          id?: string
          operation: string
          organization_id: string
          resolved_at?: string | null
          resolved_by?: string | null
          row_id?: string | null
          table_name: string
          user_id?: string | null
        }
        Update: {
          created_at?: string
          data?: Json | null
          error_code?: string
          error_message?: string
          id?: string
          operation?: string
          organization_id?: string
          resolved_at?: string | null
          resolved_by?: string | null
          row_id?: string | null
          table_name?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "sync_conflicts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "sync_conflicts_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      sync_tombstones: {
        Row: {
          deleted_at: string
          organization_id: string
          row_id: string
          table_name: string
          user_id: string | null
          work_order_id: string | null
        }
        Insert: {
          deleted_at?: string
          organization_id: string
          row_id: string
          table_name: string
          user_id?: string | null
          work_order_id?: string | null
        }
        Update: {
          deleted_at?: string
          organization_id?: string
          row_id?: string
          table_name?: string
          user_id?: string | null
          work_order_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "sync_tombstones_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "sync_tombstones_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      tax_rates: {
        Row: {
          active: boolean
          created_at: string
          id: string
          is_default: boolean
          name: string
          organization_id: string
          rate: number
          updated_at: string
        }
        Insert: {
          active?: boolean
          created_at?: string
          id?: string
          is_default?: boolean
          name: string
          organization_id: string
          rate: number
          updated_at?: string
        }
        Update: {
          active?: boolean
          created_at?: string
          id?: string
          is_default?: boolean
          name?: string
          organization_id?: string
          rate?: number
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "tax_rates_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "tax_rates_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      test_gauges: {
        Row: {
          calibration_due_on: string
          created_at: string
          id: string
          last_calibrated_on: string | null
          make: string | null
          model: string | null
          organization_id: string
          serial_number: string
          updated_at: string
          user_id: string | null
        }
        Insert: {
          calibration_due_on: string
          created_at?: string
          id?: string
          last_calibrated_on?: string | null
          make?: string | null
          model?: string | null
          organization_id: string
          serial_number: string
          updated_at?: string
          user_id?: string | null
        }
        Update: {
          calibration_due_on?: string
          created_at?: string
          id?: string
          last_calibrated_on?: string | null
          make?: string | null
          model?: string | null
          organization_id?: string
          serial_number?: string
          updated_at?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "test_gauges_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "test_gauges_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "test_gauges_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      tester_certifications: {
        Row: {
          certificate_number: string
          created_at: string
          expires_on: string
          id: string
          issuer: string
          organization_id: string
          updated_at: string
          user_id: string
        }
        Insert: {
          certificate_number: string
          created_at?: string
          expires_on: string
          id?: string
          issuer: string
          organization_id: string
          updated_at?: string
          user_id: string
        }
        Update: {
          certificate_number?: string
          created_at?: string
          expires_on?: string
          id?: string
          issuer?: string
          organization_id?: string
          updated_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "tester_certifications_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "tester_certifications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "tester_certifications_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      ticket_comments: {
        Row: {
          author_id: string | null
          body: string
          created_at: string
          id: string
          internal: boolean
          organization_id: string
          ticket_id: string
        }
        Insert: {
          author_id?: string | null
          body: string
          created_at?: string
          id?: string
          internal?: boolean
          organization_id: string
          ticket_id: string
        }
        Update: {
          author_id?: string | null
          body?: string
          created_at?: string
          id?: string
          internal?: boolean
          organization_id?: string
          ticket_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "ticket_comments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "ticket_comments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "ticket_comments_ticket_fkey"
            columns: ["organization_id", "ticket_id"]
            isOneToOne: false
            referencedRelation: "tickets"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      ticket_sla_targets: {
        Row: {
          id: string
          organization_id: string
          priority: Database["public"]["Enums"]["ticket_priority"]
          resolve_within_hours: number
        }
        Insert: {
          id?: string
          organization_id: string
          priority: Database["public"]["Enums"]["ticket_priority"]
          resolve_within_hours: number
        }
        Update: {
          id?: string
          organization_id?: string
          priority?: Database["public"]["Enums"]["ticket_priority"]
          resolve_within_hours?: number
        }
        Relationships: [
          {
            foreignKeyName: "ticket_sla_targets_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "ticket_sla_targets_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      ticket_transitions: {
        Row: {
          from_status: Database["public"]["Enums"]["ticket_status"]
          to_status: Database["public"]["Enums"]["ticket_status"]
        }
        Insert: {
          from_status: Database["public"]["Enums"]["ticket_status"]
          to_status: Database["public"]["Enums"]["ticket_status"]
        }
        Update: {
          from_status?: Database["public"]["Enums"]["ticket_status"]
          to_status?: Database["public"]["Enums"]["ticket_status"]
        }
        Relationships: []
      }
      tickets: {
        Row: {
          assignee_id: string | null
          closed_at: string | null
          contact_id: string | null
          created_at: string
          customer_id: string | null
          description: string | null
          id: string
          number: number
          opened_by_customer: boolean
          organization_id: string
          priority: Database["public"]["Enums"]["ticket_priority"]
          requester_id: string | null
          resolved_at: string | null
          sla_breached: boolean
          sla_due_at: string | null
          status: Database["public"]["Enums"]["ticket_status"]
          subject: string
          updated_at: string
        }
        Insert: {
          assignee_id?: string | null
          closed_at?: string | null
          contact_id?: string | null
          created_at?: string
          customer_id?: string | null
          description?: string | null
          id?: string
          number: number
          opened_by_customer?: boolean
          organization_id: string
          priority?: Database["public"]["Enums"]["ticket_priority"]
          requester_id?: string | null
          resolved_at?: string | null
          sla_breached?: boolean
          sla_due_at?: string | null
          status?: Database["public"]["Enums"]["ticket_status"]
          subject: string
          updated_at?: string
        }
        Update: {
          assignee_id?: string | null
          closed_at?: string | null
          contact_id?: string | null
          created_at?: string
          customer_id?: string | null
          description?: string | null
          id?: string
          number?: number
          opened_by_customer?: boolean
          organization_id?: string
          priority?: Database["public"]["Enums"]["ticket_priority"]
          requester_id?: string | null
          resolved_at?: string | null
          sla_breached?: boolean
          sla_due_at?: string | null
          status?: Database["public"]["Enums"]["ticket_status"]
          subject?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "tickets_assignee_fkey"
            columns: ["organization_id", "assignee_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "tickets_contact_fkey"
            columns: ["organization_id", "customer_id", "contact_id"]
            isOneToOne: false
            referencedRelation: "customer_contacts"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
          {
            foreignKeyName: "tickets_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "tickets_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "tickets_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      time_entries: {
        Row: {
          created_at: string
          during: unknown
          ended_at: string | null
          id: string
          note: string | null
          organization_id: string
          started_at: string
          updated_at: string
          user_id: string
          work_order_id: string
        }
        Insert: {
          created_at?: string
          during?: never
          ended_at?: string | null
          id?: string
          note?: string | null
          organization_id: string
          started_at?: string
          updated_at?: string
          user_id?: string
          work_order_id: string
        }
        Update: {
          created_at?: string
          during?: never
          ended_at?: string | null
          id?: string
          note?: string | null
          organization_id?: string
          started_at?: string
          updated_at?: string
          user_id?: string
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "time_entries_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "time_entries_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "time_entries_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "time_entries_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      time_off: {
        Row: {
          created_at: string
          during: unknown
          ends_at: string
          id: string
          organization_id: string
          reason: string | null
          starts_at: string
          user_id: string
        }
        Insert: {
          created_at?: string
          during?: never
          ends_at: string
          id?: string
          organization_id: string
          reason?: string | null
          starts_at: string
          user_id: string
        }
        Update: {
          created_at?: string
          during?: never
          ends_at?: string
          id?: string
          organization_id?: string
          reason?: string | null
          starts_at?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "time_off_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "time_off_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "time_off_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      usage_counters: {
        Row: {
          metric: string
          organization_id: string
          period: string
          updated_at: string
          value: number
        }
        Insert: {
          metric: string
          organization_id: string
          period: string
          updated_at?: string
          value?: number
        }
        Update: {
          metric?: string
          organization_id?: string
          period?: string
          updated_at?: string
          value?: number
        }
        Relationships: [
          {
            foreignKeyName: "usage_counters_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "usage_counters_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      visits: {
        Row: {
          arrival_window: unknown
          created_at: string
          created_by: string | null
          during: unknown
          en_route_at: string | null
          ends_at: string
          id: string
          notes: string | null
          organization_id: string
          starts_at: string
          status: Database["public"]["Enums"]["visit_status"]
          updated_at: string
          user_id: string
          version: number
          work_order_id: string
        }
        Insert: {
          arrival_window?: unknown
          created_at?: string
          created_by?: string | null
          during?: never
          en_route_at?: string | null
          ends_at: string
          id?: string
          notes?: string | null
          organization_id: string
          starts_at: string
          status?: Database["public"]["Enums"]["visit_status"]
          updated_at?: string
          user_id: string
          version?: number
          work_order_id: string
        }
        Update: {
          arrival_window?: unknown
          created_at?: string
          created_by?: string | null
          during?: never
          en_route_at?: string | null
          ends_at?: string
          id?: string
          notes?: string | null
          organization_id?: string
          starts_at?: string
          status?: Database["public"]["Enums"]["visit_status"]
          updated_at?: string
          user_id?: string
          version?: number
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "visits_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "visits_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "visits_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "visits_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      water_authorities: {
        Row: {
          created_at: string
          email: string | null
          id: string
          name: string
          notes: string | null
          organization_id: string
          required_fields: string[]
          submission_method: Database["public"]["Enums"]["report_submission_method"]
          submission_schedule: string
          updated_at: string
          webhook_endpoint_id: string | null
        }
        Insert: {
          created_at?: string
          email?: string | null
          id?: string
          name: string
          notes?: string | null
          organization_id: string
          required_fields?: string[]
          submission_method?: Database["public"]["Enums"]["report_submission_method"]
          submission_schedule?: string
          updated_at?: string
          webhook_endpoint_id?: string | null
        }
        Update: {
          created_at?: string
          email?: string | null
          id?: string
          name?: string
          notes?: string | null
          organization_id?: string
          required_fields?: string[]
          submission_method?: Database["public"]["Enums"]["report_submission_method"]
          submission_schedule?: string
          updated_at?: string
          webhook_endpoint_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "water_authorities_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "water_authorities_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "water_authorities_webhook_endpoint_fkey"
            columns: ["organization_id", "webhook_endpoint_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      water_authority_thresholds: {
        Row: {
          created_at: string
          id: string
          kind: Database["public"]["Enums"]["assembly_kind"]
          minimum_psid: number
          organization_id: string
          reading: string
          updated_at: string
          water_authority_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          kind: Database["public"]["Enums"]["assembly_kind"]
          minimum_psid: number
          organization_id: string
          reading: string
          updated_at?: string
          water_authority_id: string
        }
        Update: {
          created_at?: string
          id?: string
          kind?: Database["public"]["Enums"]["assembly_kind"]
          minimum_psid?: number
          organization_id?: string
          reading?: string
          updated_at?: string
          water_authority_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "water_authority_thresholds_authority_fkey"
            columns: ["organization_id", "water_authority_id"]
            isOneToOne: false
            referencedRelation: "water_authorities"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "water_authority_thresholds_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "water_authority_thresholds_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "water_authority_thresholds_reading_fkey"
            columns: ["kind", "reading"]
            isOneToOne: false
            referencedRelation: "backflow_test_thresholds"
            referencedColumns: ["kind", "reading"]
          },
        ]
      }
      webhook_deliveries: {
        Row: {
          attempt: number
          created_at: string
          endpoint_id: string
          error: string | null
          event_type: string
          id: number
          job_id: number | null
          latency_ms: number | null
          message_id: string
          organization_id: string
          response_excerpt: string | null
          status_code: number | null
          succeeded: boolean
        }
        Insert: {
          attempt: number
          created_at?: string
          endpoint_id: string
          error?: string | null
          event_type: string
          id?: never
          job_id?: number | null
          latency_ms?: number | null
          message_id: string
          organization_id: string
          response_excerpt?: string | null
          status_code?: number | null
          succeeded: boolean
        }
        Update: {
          attempt?: number
          created_at?: string
          endpoint_id?: string
          error?: string | null
          event_type?: string
          id?: never
          job_id?: number | null
          latency_ms?: number | null
          message_id?: string
          organization_id?: string
          response_excerpt?: string | null
          status_code?: number | null
          succeeded?: boolean
        }
        Relationships: [
          {
            foreignKeyName: "webhook_deliveries_endpoint_fkey"
            columns: ["organization_id", "endpoint_id"]
            isOneToOne: false
            referencedRelation: "webhook_endpoints"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "webhook_deliveries_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "webhook_deliveries_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      webhook_endpoints: {
        Row: {
          active: boolean
          created_at: string
          created_by: string | null
          description: string | null
          disabled_reason: string | null
          event_types: string[]
          failing_since: string | null
          id: string
          organization_id: string
          updated_at: string
          url: string
        }
        Insert: {
          active?: boolean
          created_at?: string
          created_by?: string | null
          description?: string | null
          disabled_reason?: string | null
          event_types?: string[]
          failing_since?: string | null
          id?: string
          organization_id: string
          updated_at?: string
          url: string
        }
        Update: {
          active?: boolean
          created_at?: string
          created_by?: string | null
          description?: string | null
          disabled_reason?: string | null
          event_types?: string[]
          failing_since?: string | null
          id?: string
          organization_id?: string
          updated_at?: string
          url?: string
        }
        Relationships: [
          {
            foreignKeyName: "webhook_endpoints_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "webhook_endpoints_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      work_order_assemblies: {
        Row: {
          assembly_id: string
          id: string
          organization_id: string
          updated_at: string
          work_order_id: string
        }
        Insert: {
          assembly_id: string
          id?: string
          organization_id: string
          updated_at?: string
          work_order_id: string
        }
        Update: {
          assembly_id?: string
          id?: string
          organization_id?: string
          updated_at?: string
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "work_order_assemblies_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "work_order_assemblies_assembly_fkey"
            columns: ["organization_id", "assembly_id"]
            isOneToOne: false
            referencedRelation: "assemblies_due"
            referencedColumns: ["organization_id", "assembly_id"]
          },
          {
            foreignKeyName: "work_order_assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "work_order_assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "work_order_assemblies_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      work_order_assignments: {
        Row: {
          assigned_by: string | null
          created_at: string
          id: string
          organization_id: string
          updated_at: string
          user_id: string
          work_order_id: string
        }
        Insert: {
          assigned_by?: string | null
          created_at?: string
          id?: string
          organization_id: string
          updated_at?: string
          user_id: string
          work_order_id: string
        }
        Update: {
          assigned_by?: string | null
          created_at?: string
          id?: string
          organization_id?: string
          updated_at?: string
          user_id?: string
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "work_order_assignments_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "work_order_assignments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "work_order_assignments_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "work_order_assignments_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      work_order_checklist_items: {
        Row: {
          created_at: string
          done: boolean
          done_at: string | null
          done_by: string | null
          id: string
          label: string
          organization_id: string
          position: number
          updated_at: string
          work_order_id: string
        }
        Insert: {
          created_at?: string
          done?: boolean
          done_at?: string | null
          done_by?: string | null
          id?: string
          label: string
          organization_id: string
          position?: number
          updated_at?: string
          work_order_id: string
        }
        Update: {
          created_at?: string
          done?: boolean
          done_at?: string | null
          done_by?: string | null
          id?: string
          label?: string
          organization_id?: string
          position?: number
          updated_at?: string
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "work_order_checklist_items_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "work_order_checklist_items_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "work_order_checklist_items_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      work_order_notes: {
        Row: {
          author_id: string | null
          body: string
          created_at: string
          id: string
          organization_id: string
          updated_at: string
          work_order_id: string
        }
        Insert: {
          author_id?: string | null
          body: string
          created_at?: string
          id?: string
          organization_id: string
          updated_at?: string
          work_order_id: string
        }
        Update: {
          author_id?: string | null
          body?: string
          created_at?: string
          id?: string
          organization_id?: string
          updated_at?: string
          work_order_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "work_order_notes_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "work_order_notes_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "work_order_notes_work_order_fkey"
            columns: ["organization_id", "work_order_id"]
            isOneToOne: false
            referencedRelation: "work_orders"
            referencedColumns: ["organization_id", "id"]
          },
        ]
      }
      work_order_transitions: {
        Row: {
          from_status: Database["public"]["Enums"]["work_order_status"]
          technician_may: boolean
          to_status: Database["public"]["Enums"]["work_order_status"]
        }
        Insert: {
          from_status: Database["public"]["Enums"]["work_order_status"]
          technician_may?: boolean
          to_status: Database["public"]["Enums"]["work_order_status"]
        }
        Update: {
          from_status?: Database["public"]["Enums"]["work_order_status"]
          technician_may?: boolean
          to_status?: Database["public"]["Enums"]["work_order_status"]
        }
        Relationships: []
      }
      work_orders: {
        Row: {
          agreement_id: string | null
          completed_at: string | null
          created_at: string
          created_by: string | null
          customer_id: string
          description: string | null
          id: string
          number: number
          organization_id: string
          period_start: string | null
          priority: Database["public"]["Enums"]["work_order_priority"]
          site_id: string
          source: Database["public"]["Enums"]["work_order_source"]
          status: Database["public"]["Enums"]["work_order_status"]
          status_reason: string | null
          title: string
          updated_at: string
          version: number
        }
        Insert: {
          agreement_id?: string | null
          completed_at?: string | null
          created_at?: string
          created_by?: string | null
          customer_id: string
          description?: string | null
          id?: string
          number: number
          organization_id: string
          period_start?: string | null
          priority?: Database["public"]["Enums"]["work_order_priority"]
          site_id: string
          source?: Database["public"]["Enums"]["work_order_source"]
          status?: Database["public"]["Enums"]["work_order_status"]
          status_reason?: string | null
          title: string
          updated_at?: string
          version?: number
        }
        Update: {
          agreement_id?: string | null
          completed_at?: string | null
          created_at?: string
          created_by?: string | null
          customer_id?: string
          description?: string | null
          id?: string
          number?: number
          organization_id?: string
          period_start?: string | null
          priority?: Database["public"]["Enums"]["work_order_priority"]
          site_id?: string
          source?: Database["public"]["Enums"]["work_order_source"]
          status?: Database["public"]["Enums"]["work_order_status"]
          status_reason?: string | null
          title?: string
          updated_at?: string
          version?: number
        }
        Relationships: [
          {
            foreignKeyName: "work_orders_agreement_fkey"
            columns: ["organization_id", "agreement_id"]
            isOneToOne: false
            referencedRelation: "service_agreements"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "work_orders_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "work_orders_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "work_orders_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "work_orders_site_fkey"
            columns: ["organization_id", "customer_id", "site_id"]
            isOneToOne: false
            referencedRelation: "sites"
            referencedColumns: ["organization_id", "customer_id", "id"]
          },
        ]
      }
      working_hours: {
        Row: {
          ends: string
          id: string
          organization_id: string
          starts: string
          user_id: string
          weekday: number
        }
        Insert: {
          ends: string
          id?: string
          organization_id: string
          starts: string
          user_id: string
          weekday: number
        }
        Update: {
          ends?: string
          id?: string
          organization_id?: string
          starts?: string
          user_id?: string
          weekday?: number
        }
        Relationships: [
          {
            foreignKeyName: "working_hours_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "working_hours_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "working_hours_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Views: {
      assemblies_due: {
        Row: {
          assembly_id: string | null
          city: string | null
          customer_id: string | null
          customer_name: string | null
          days_until_due: number | null
          kind: Database["public"]["Enums"]["assembly_kind"] | null
          line1: string | null
          next_due_on: string | null
          organization_id: string | null
          overdue: boolean | null
          serial_number: string | null
          site_id: string | null
          water_authority_id: string | null
        }
        Relationships: [
          {
            foreignKeyName: "assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "assemblies_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      background_jobs: {
        Row: {
          attempts: number | null
          created_at: string | null
          errors: Json | null
          finished_at: string | null
          id: number | null
          kind: string | null
          last_error: string | null
          max_attempts: number | null
          organization_id: string | null
          result: Json | null
          run_at: string | null
          started_at: string | null
          status:
            | "queued"
            | "running"
            | "succeeded"
            | "retrying"
            | "dead"
            | "cancelled"
            | null
        }
        Relationships: []
      }
      organization_usage: {
        Row: {
          included: number | null
          metric: string | null
          organization_id: string | null
          percent_used: number | null
          period: string | null
          used: number | null
        }
        Relationships: []
      }
      platform_billing_log: {
        Row: {
          event_type: string | null
          occurred_at: string | null
          organization_id: string | null
          outcome: string | null
          reference: string | null
          source: string | null
        }
        Relationships: []
      }
      platform_diagnostics: {
        Row: {
          detail: Json | null
          name: string | null
          section: string | null
          value: number | null
        }
        Relationships: []
      }
      platform_organizations_at_risk: {
        Row: {
          last_sign_in_at: string | null
          name: string | null
          organization_id: string | null
          past_due_cents: number | null
          plan_id: string | null
          reasons: string[] | null
          status: Database["public"]["Enums"]["organization_status"] | null
          usage_last_month: number | null
          usage_month_before: number | null
        }
        Relationships: []
      }
      platform_revenue: {
        Row: {
          arr_cents: number | null
          mrr_cents: number | null
          past_due_cents: number | null
          past_due_organizations: number | null
          paying_organizations: number | null
          trial_conversion_30d: number | null
          trial_conversion_90d: number | null
          trialing_organizations: number | null
        }
        Relationships: []
      }
      platform_revenue_by_month: {
        Row: {
          arr_cents: number | null
          churned_organizations: number | null
          logo_churn_rate: number | null
          month: string | null
          mrr_cents: number | null
          new_paying: number | null
          paying_organizations: number | null
          revenue_churn_cents: number | null
          revenue_churn_rate: number | null
          signups: number | null
        }
        Relationships: []
      }
      platform_signups_by_week: {
        Row: {
          paying_now: number | null
          signups: number | null
          week: string | null
        }
        Relationships: []
      }
      receivables_aging: {
        Row: {
          currency: string | null
          current_cents: number | null
          customer_id: string | null
          days_1_30_cents: number | null
          days_31_60_cents: number | null
          days_61_90_cents: number | null
          days_over_90_cents: number | null
          open_invoices: number | null
          organization_id: string | null
          total_cents: number | null
        }
        Relationships: [
          {
            foreignKeyName: "invoices_customer_fkey"
            columns: ["organization_id", "customer_id"]
            isOneToOne: false
            referencedRelation: "customers"
            referencedColumns: ["organization_id", "id"]
          },
          {
            foreignKeyName: "invoices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "invoices_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
      technician_day: {
        Row: {
          city: string | null
          distance_to_next_m: number | null
          ends_at: string | null
          line1: string | null
          local_date: string | null
          organization_id: string | null
          site_id: string | null
          starts_at: string | null
          status: Database["public"]["Enums"]["visit_status"] | null
          time_zone: string | null
          title: string | null
          user_id: string | null
          visit_id: string | null
          work_order_id: string | null
          work_order_number: number | null
        }
        Relationships: [
          {
            foreignKeyName: "visits_member_fkey"
            columns: ["organization_id", "user_id"]
            isOneToOne: false
            referencedRelation: "memberships"
            referencedColumns: ["organization_id", "user_id"]
          },
          {
            foreignKeyName: "visits_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organization_usage"
            referencedColumns: ["organization_id"]
          },
          {
            foreignKeyName: "visits_organization_id_fkey"
            columns: ["organization_id"]
            isOneToOne: false
            referencedRelation: "organizations"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Functions: {
      accept_invitation: {
        Args: { token: string }
        Returns: {
          created_at: string
          id: string
          invited_by: string | null
          organization_id: string
          role: Database["public"]["Enums"]["member_role"]
          updated_at: string
          user_id: string
        }
        SetofOptions: {
          from: "*"
          to: "memberships"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      accept_portal_invitation: {
        Args: { token: string }
        Returns: {
          accepted_at: string | null
          contact_id: string
          customer_id: string
          email: string
          expires_at: string
          id: string
          invited_at: string
          invited_by: string | null
          organization_id: string
          revoked_at: string | null
          token_hash: string | null
          user_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "portal_accounts"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      approve_estimate: {
        Args: { estimate_id: string; option_id: string }
        Returns: {
          approved_option_id: string | null
          created_at: string
          created_by: string | null
          currency: string
          customer_id: string
          decided_at: string | null
          decided_by: string | null
          decided_by_name: string | null
          decline_reason: string | null
          id: string
          invoice_id: string | null
          notes: string | null
          number: number
          organization_id: string
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["estimate_status"]
          title: string
          updated_at: string
          valid_until: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "estimates"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      archive_customer: { Args: { customer_id: string }; Returns: undefined }
      archive_site: { Args: { site_id: string }; Returns: undefined }
      cancel_import: {
        Args: { import_id: string }
        Returns: {
          committed_at: string | null
          created_at: string
          dry_run: boolean
          encoding: string | null
          error: string | null
          file_format: string | null
          headers: string[] | null
          id: string
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          processed_rows: number
          refused_rows_path: string | null
          requested_by: string | null
          status: Database["public"]["Enums"]["import_status"]
          storage_path: string
          summary: NonNullable<Json>
          total_rows: number | null
          unknown_columns: string[]
          updated_at: string
          validated_at: string | null
        }
        SetofOptions: {
          from: "*"
          to: "imports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      comment_on_customer_ticket: {
        Args: { body: string; ticket_id: string }
        Returns: {
          author_id: string | null
          body: string
          created_at: string
          id: string
          internal: boolean
          organization_id: string
          ticket_id: string
        }
        SetofOptions: {
          from: "*"
          to: "ticket_comments"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      commit_import: {
        Args: { import_id: string }
        Returns: {
          committed_at: string | null
          created_at: string
          dry_run: boolean
          encoding: string | null
          error: string | null
          file_format: string | null
          headers: string[] | null
          id: string
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          processed_rows: number
          refused_rows_path: string | null
          requested_by: string | null
          status: Database["public"]["Enums"]["import_status"]
          storage_path: string
          summary: NonNullable<Json>
          total_rows: number | null
          unknown_columns: string[]
          updated_at: string
          validated_at: string | null
        }
        SetofOptions: {
          from: "*"
          to: "imports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      compliance_summary: {
        Args: { days?: number; organization_id: string }
        Returns: {
          due_soon: number
          overdue: number
          water_authority: string
          water_authority_id: string
        }[]
      }
      convert_estimate: {
        Args: { estimate_id: string }
        Returns: {
          invoice_id: string
          work_order_id: string
        }[]
      }
      create_organization: {
        Args: { name: string; slug?: string }
        Returns: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "organizations"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      create_webhook_endpoint: {
        Args: {
          description?: string
          event_types?: string[]
          organization_id: string
          url: string
        }
        Returns: {
          endpoint_id: string
          secret: string
        }[]
      }
      custom_access_token_hook: { Args: { event: Json }; Returns: Json }
      dashboard_kpis: {
        Args: { organization_id: string }
        Returns: {
          assemblies_due_30_days: number
          billed_this_month_cents: number
          collected_this_month_cents: number
          open_work_orders: number
          overdue_cents: number
          overdue_invoices: number
          refreshed_at: string
          tickets_breaching_sla: number
          visits_today: number
        }[]
      }
      decline_estimate: {
        Args: { estimate_id: string; reason?: string }
        Returns: {
          approved_option_id: string | null
          created_at: string
          created_by: string | null
          currency: string
          customer_id: string
          decided_at: string | null
          decided_by: string | null
          decided_by_name: string | null
          decline_reason: string | null
          id: string
          invoice_id: string | null
          notes: string | null
          number: number
          organization_id: string
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["estimate_status"]
          title: string
          updated_at: string
          valid_until: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "estimates"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      delete_organization: {
        Args: { organization_id: string }
        Returns: undefined
      }
      extend_trial: {
        Args: { days: number; organization_id: string; reason: string }
        Returns: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "organizations"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      feature_enabled: {
        Args: { flag: string; organization_id?: string }
        Returns: boolean
      }
      finalize_backflow_test: {
        Args: { report_id: string }
        Returns: {
          air_gap_inches: number | null
          air_inlet_opening_psid: number | null
          assembly_id: string
          certification_id: string | null
          check_valve_1_psid: number | null
          check_valve_2_psid: number | null
          created_at: string
          failed_checks: string[]
          finalized_at: string | null
          finalized_by: string | null
          gauge_id: string | null
          id: string
          import_id: string | null
          imported: boolean
          imported_gauge: string | null
          imported_tester: string | null
          initial_air_inlet_opening_psid: number | null
          initial_check_valve_1_psid: number | null
          initial_check_valve_2_psid: number | null
          initial_relief_valve_opening_psid: number | null
          line_pressure_psi: number | null
          notes: string | null
          organization_id: string
          relief_valve_opening_psid: number | null
          repair_parts: string | null
          repairs: string | null
          result: Database["public"]["Enums"]["backflow_result"] | null
          retest_of_id: string | null
          shutoff_valve_1_tight: boolean | null
          shutoff_valve_2_tight: boolean | null
          status: Database["public"]["Enums"]["backflow_report_status"]
          submission_batch_id: string | null
          submission_queued_at: string | null
          submission_reference: string | null
          submitted_at: string | null
          submitted_via:
            | Database["public"]["Enums"]["report_submission_method"]
            | null
          supply_pipe_diameter_inches: number | null
          tested_on: string
          updated_at: string
          user_id: string
          version: number
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "backflow_test_reports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      grant_billing_credit: {
        Args: { amount_cents: number; organization_id: string; reason: string }
        Returns: string
      }
      grant_support_access: {
        Args: { hours: number; organization_id: string; reason: string }
        Returns: {
          expires_at: string
          granted_at: string
          granted_by: string | null
          id: string
          organization_id: string
          reason: string
          revoked_at: string | null
          revoked_by: string | null
        }
        SetofOptions: {
          from: "*"
          to: "support_access_grants"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      health: { Args: Record<PropertyKey, never>; Returns: Json }
      hold_purge: {
        Args: { hold: boolean; organization_id: string; reason: string }
        Returns: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "organizations"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      invite_member: {
        Args: {
          email: string
          organization_id: string
          role?: Database["public"]["Enums"]["member_role"]
        }
        Returns: {
          invitation_id: string
          token: string
        }[]
      }
      invite_portal_user: { Args: { contact_id: string }; Returns: string }
      invoice_work_order: {
        Args: { work_order_id: string }
        Returns: {
          agreement_id: string | null
          balance_cents: number | null
          created_at: string
          created_by: string | null
          credited_cents: number
          currency: string
          customer_id: string
          discount_cents: number
          due_on: string | null
          estimate_id: string | null
          id: string
          issued_on: string | null
          notes: string | null
          number: number | null
          organization_id: string
          paid_at: string | null
          paid_cents: number
          payment_reference: string
          payment_terms_days: number
          period_start: string | null
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents: number
          tax_cents: number
          title: string
          total_cents: number | null
          updated_at: string
          void_reason: string | null
          voided_at: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "invoices"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      issue_credit_note: {
        Args: { amount_cents: number; invoice_id: string; reason: string }
        Returns: {
          amount_cents: number
          created_at: string
          created_by: string | null
          id: string
          invoice_id: string
          number: number
          organization_id: string
          reason: string
        }
        SetofOptions: {
          from: "*"
          to: "credit_notes"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      leave_organization: {
        Args: { organization_id: string }
        Returns: undefined
      }
      mark_notifications_read: {
        Args: { notification_ids?: number[] }
        Returns: number
      }
      move_work_order: {
        Args: {
          reason?: string
          to_status: Database["public"]["Enums"]["work_order_status"]
          work_order_id: string
        }
        Returns: {
          agreement_id: string | null
          completed_at: string | null
          created_at: string
          created_by: string | null
          customer_id: string
          description: string | null
          id: string
          number: number
          organization_id: string
          period_start: string | null
          priority: Database["public"]["Enums"]["work_order_priority"]
          site_id: string
          source: Database["public"]["Enums"]["work_order_source"]
          status: Database["public"]["Enums"]["work_order_status"]
          status_reason: string | null
          title: string
          updated_at: string
          version: number
        }
        SetofOptions: {
          from: "*"
          to: "work_orders"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      open_billing_portal: {
        Args: { organization_id: string }
        Returns: {
          billing_interval: string | null
          created_at: string
          error: string | null
          expires_at: string | null
          id: string
          kind: string
          organization_id: string
          plan_id: string | null
          requested_by: string | null
          status: string
          updated_at: string
          url: string | null
        }
        SetofOptions: {
          from: "*"
          to: "billing_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      open_customer_ticket: {
        Args: {
          description?: string
          priority?: Database["public"]["Enums"]["ticket_priority"]
          subject: string
        }
        Returns: {
          assignee_id: string | null
          closed_at: string | null
          contact_id: string | null
          created_at: string
          customer_id: string | null
          description: string | null
          id: string
          number: number
          opened_by_customer: boolean
          organization_id: string
          priority: Database["public"]["Enums"]["ticket_priority"]
          requester_id: string | null
          resolved_at: string | null
          sla_breached: boolean
          sla_due_at: string | null
          status: Database["public"]["Enums"]["ticket_status"]
          subject: string
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "tickets"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      record_payment: {
        Args: {
          amount_cents: number
          idempotency_key: string
          invoice_id: string
          method: Database["public"]["Enums"]["payment_method"]
          received_at?: string
          reference?: string
        }
        Returns: {
          amount_cents: number
          created_at: string
          id: string
          idempotency_key: string
          invoice_id: string
          method: Database["public"]["Enums"]["payment_method"]
          organization_id: string
          received_at: string
          recorded_by: string | null
          reference: string | null
          refunded_cents: number
          stripe_payment_intent_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "payments"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      refund_payment: {
        Args: {
          amount_cents: number
          idempotency_key: string
          payment_id: string
          reason?: string
        }
        Returns: {
          amount_cents: number
          id: string
          idempotency_key: string
          invoice_id: string
          organization_id: string
          payment_id: string
          reason: string | null
          recorded_by: string | null
          refunded_at: string
        }
        SetofOptions: {
          from: "*"
          to: "payment_refunds"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      request_export: {
        Args: {
          kind: Database["public"]["Enums"]["export_kind"]
          organization_id: string
        }
        Returns: {
          completed_at: string | null
          created_at: string
          error: string | null
          id: string
          kind: Database["public"]["Enums"]["export_kind"]
          organization_id: string
          requested_by: string | null
          row_count: number | null
          size_bytes: number | null
          status: Database["public"]["Enums"]["export_status"]
          storage_path: string | null
        }
        SetofOptions: {
          from: "*"
          to: "exports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      retry_job: { Args: { job_id: number }; Returns: undefined }
      revoke_invitation: { Args: { invitation_id: string }; Returns: undefined }
      revoke_portal_account: {
        Args: { account_id: string }
        Returns: {
          accepted_at: string | null
          contact_id: string
          customer_id: string
          email: string
          expires_at: string
          id: string
          invited_at: string
          invited_by: string | null
          organization_id: string
          revoked_at: string | null
          token_hash: string | null
          user_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "portal_accounts"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      revoke_support_access: {
        Args: { grant_id: string }
        Returns: {
          expires_at: string
          granted_at: string
          granted_by: string | null
          id: string
          organization_id: string
          reason: string
          revoked_at: string | null
          revoked_by: string | null
        }
        SetofOptions: {
          from: "*"
          to: "support_access_grants"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      rotate_webhook_secret: { Args: { endpoint_id: string }; Returns: string }
      send_estimate: {
        Args: { estimate_id: string; valid_until?: string }
        Returns: {
          approved_option_id: string | null
          created_at: string
          created_by: string | null
          currency: string
          customer_id: string
          decided_at: string | null
          decided_by: string | null
          decided_by_name: string | null
          decline_reason: string | null
          id: string
          invoice_id: string | null
          notes: string | null
          number: number
          organization_id: string
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["estimate_status"]
          title: string
          updated_at: string
          valid_until: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "estimates"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      send_invoice: {
        Args: { invoice_id: string }
        Returns: {
          agreement_id: string | null
          balance_cents: number | null
          created_at: string
          created_by: string | null
          credited_cents: number
          currency: string
          customer_id: string
          discount_cents: number
          due_on: string | null
          estimate_id: string | null
          id: string
          issued_on: string | null
          notes: string | null
          number: number | null
          organization_id: string
          paid_at: string | null
          paid_cents: number
          payment_reference: string
          payment_terms_days: number
          period_start: string | null
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents: number
          tax_cents: number
          title: string
          total_cents: number | null
          updated_at: string
          void_reason: string | null
          voided_at: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "invoices"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      send_test_webhook: { Args: { endpoint_id: string }; Returns: string }
      set_organization_plan: {
        Args: { organization_id: string; plan_id: string; reason: string }
        Returns: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "organizations"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      set_organization_status: {
        Args: {
          organization_id: string
          reason: string
          status: Database["public"]["Enums"]["organization_status"]
        }
        Returns: {
          billing_interval: string | null
          branding: NonNullable<Json>
          cancel_at_period_end: boolean
          cancelled_at: string | null
          created_at: string
          created_by: string | null
          currency: string
          current_period_end: string | null
          default_tax_rate: number
          deleted_at: string | null
          id: string
          name: string
          past_due_amount_cents: number | null
          past_due_since: string | null
          plan_id: string
          purge_held_by: string | null
          purge_hold_reason: string | null
          require_mfa: boolean
          slug: string
          status: Database["public"]["Enums"]["organization_status"]
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          subscription_synced_at: string | null
          suspended_for: string | null
          time_zone: string
          trial_ends_at: string | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "organizations"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      set_staff_role: {
        Args: { reason: string; role: string; user_id: string }
        Returns: undefined
      }
      sign_estimate: {
        Args: { estimate_id: string; image_path: string; signer_name: string }
        Returns: {
          client_address: string | null
          estimate_id: string | null
          id: string
          image_path: string
          organization_id: string
          signed_at: string
          signed_by: string | null
          signer_name: string
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "signatures"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      sign_work_order: {
        Args: { image_path: string; signer_name: string; work_order_id: string }
        Returns: {
          client_address: string | null
          estimate_id: string | null
          id: string
          image_path: string
          organization_id: string
          signed_at: string
          signed_by: string | null
          signer_name: string
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "signatures"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_import: {
        Args: {
          dry_run?: boolean
          kind: Database["public"]["Enums"]["import_kind"]
          mapping?: Json
          organization_id: string
          storage_path: string
        }
        Returns: {
          committed_at: string | null
          created_at: string
          dry_run: boolean
          encoding: string | null
          error: string | null
          file_format: string | null
          headers: string[] | null
          id: string
          kind: Database["public"]["Enums"]["import_kind"]
          mapping: NonNullable<Json>
          organization_id: string
          processed_rows: number
          refused_rows_path: string | null
          requested_by: string | null
          status: Database["public"]["Enums"]["import_status"]
          storage_path: string
          summary: NonNullable<Json>
          total_rows: number | null
          unknown_columns: string[]
          updated_at: string
          validated_at: string | null
        }
        SetofOptions: {
          from: "*"
          to: "imports"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_subscription_checkout: {
        Args: {
          billing_interval?: string
          organization_id: string
          plan_id: string
        }
        Returns: {
          billing_interval: string | null
          created_at: string
          error: string | null
          expires_at: string | null
          id: string
          kind: string
          organization_id: string
          plan_id: string | null
          requested_by: string | null
          status: string
          updated_at: string
          url: string | null
        }
        SetofOptions: {
          from: "*"
          to: "billing_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      start_visit_travel: {
        Args: { visit_id: string }
        Returns: {
          arrival_window_ends_at: string
          arrival_window_starts_at: string
          en_route_at: string
          id: string
        }[]
      }
      technician_availability: {
        Args: { day: string; min_minutes?: number; organization_id: string }
        Returns: {
          free_from: string
          free_until: string
          technician: string
          user_id: string
        }[]
      }
      transfer_ownership: {
        Args: { new_owner_id: string; organization_id: string }
        Returns: undefined
      }
      upload_changes: { Args: { operations: Json }; Returns: Json }
      void_invoice: {
        Args: { invoice_id: string; reason: string }
        Returns: {
          agreement_id: string | null
          balance_cents: number | null
          created_at: string
          created_by: string | null
          credited_cents: number
          currency: string
          customer_id: string
          discount_cents: number
          due_on: string | null
          estimate_id: string | null
          id: string
          issued_on: string | null
          notes: string | null
          number: number | null
          organization_id: string
          paid_at: string | null
          paid_cents: number
          payment_reference: string
          payment_terms_days: number
          period_start: string | null
          sent_at: string | null
          site_id: string | null
          status: Database["public"]["Enums"]["invoice_status"]
          subtotal_cents: number
          tax_cents: number
          title: string
          total_cents: number | null
          updated_at: string
          void_reason: string | null
          voided_at: string | null
          work_order_id: string | null
        }
        SetofOptions: {
          from: "*"
          to: "invoices"
          isOneToOne: true
          isSetofReturn: false
        }
      }
    }
    Enums: {
      assembly_kind:
        | "rp"
        | "dc"
        | "pvb"
        | "svb"
        | "dcda"
        | "rpda"
        | "air_gap"
        | "hvac_unit"
        | "water_heater"
        | "boiler"
        | "other"
      assembly_status: "active" | "removed" | "replaced"
      backflow_report_status: "draft" | "finalized"
      backflow_result: "pass" | "fail"
      customer_kind: "residential" | "commercial"
      estimate_status:
        | "draft"
        | "sent"
        | "approved"
        | "declined"
        | "expired"
        | "converted"
      export_kind:
        | "customers"
        | "invoices"
        | "payments"
        | "test_reports"
        | "everything"
        | "work_orders"
        | "assemblies"
      export_status: "queued" | "ready" | "failed"
      import_kind: "customers" | "sites" | "assemblies" | "test_history"
      import_status:
        | "queued"
        | "loading"
        | "validating"
        | "validated"
        | "committing"
        | "committed"
        | "failed"
        | "cancelled"
      invoice_status:
        | "draft"
        | "sent"
        | "partially_paid"
        | "paid"
        | "overdue"
        | "void"
      member_role: "owner" | "admin" | "dispatcher" | "technician" | "viewer"
      organization_status:
        | "trialing"
        | "trial_expired"
        | "active"
        | "past_due"
        | "suspended"
        | "cancelled"
      payment_method:
        | "cash"
        | "check"
        | "card"
        | "bank_transfer"
        | "stripe"
        | "other"
      price_book_item_kind: "service" | "part" | "labour"
      report_submission_method: "email" | "webhook" | "portal"
      ticket_priority: "low" | "normal" | "high" | "urgent"
      ticket_status:
        | "open"
        | "in_progress"
        | "waiting_for_customer"
        | "resolved"
        | "closed"
      visit_status:
        | "scheduled"
        | "confirmed"
        | "completed"
        | "cancelled"
        | "missed"
      work_order_priority: "low" | "normal" | "high" | "emergency"
      work_order_source: "request" | "agreement" | "due_notice"
      work_order_status:
        | "draft"
        | "scheduled"
        | "dispatched"
        | "in_progress"
        | "completed"
        | "on_hold"
        | "cancelled"
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {
      assembly_kind: [
        "rp",
        "dc",
        "pvb",
        "svb",
        "dcda",
        "rpda",
        "air_gap",
        "hvac_unit",
        "water_heater",
        "boiler",
        "other",
      ],
      assembly_status: ["active", "removed", "replaced"],
      backflow_report_status: ["draft", "finalized"],
      backflow_result: ["pass", "fail"],
      customer_kind: ["residential", "commercial"],
      estimate_status: [
        "draft",
        "sent",
        "approved",
        "declined",
        "expired",
        "converted",
      ],
      export_kind: [
        "customers",
        "invoices",
        "payments",
        "test_reports",
        "everything",
        "work_orders",
        "assemblies",
      ],
      export_status: ["queued", "ready", "failed"],
      import_kind: ["customers", "sites", "assemblies", "test_history"],
      import_status: [
        "queued",
        "loading",
        "validating",
        "validated",
        "committing",
        "committed",
        "failed",
        "cancelled",
      ],
      invoice_status: [
        "draft",
        "sent",
        "partially_paid",
        "paid",
        "overdue",
        "void",
      ],
      member_role: ["owner", "admin", "dispatcher", "technician", "viewer"],
      organization_status: [
        "trialing",
        "trial_expired",
        "active",
        "past_due",
        "suspended",
        "cancelled",
      ],
      payment_method: [
        "cash",
        "check",
        "card",
        "bank_transfer",
        "stripe",
        "other",
      ],
      price_book_item_kind: ["service", "part", "labour"],
      report_submission_method: ["email", "webhook", "portal"],
      ticket_priority: ["low", "normal", "high", "urgent"],
      ticket_status: [
        "open",
        "in_progress",
        "waiting_for_customer",
        "resolved",
        "closed",
      ],
      visit_status: [
        "scheduled",
        "confirmed",
        "completed",
        "cancelled",
        "missed",
      ],
      work_order_priority: ["low", "normal", "high", "emergency"],
      work_order_source: ["request", "agreement", "due_notice"],
      work_order_status: [
        "draft",
        "scheduled",
        "dispatched",
        "in_progress",
        "completed",
        "on_hold",
        "cancelled",
      ],
    },
  },
} as const

