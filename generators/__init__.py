"""The generators: every generated file (scripts/regenerate), the migrations made from the
current-state and policy files (scripts/db diff), and the policy files' sync and drift."""
