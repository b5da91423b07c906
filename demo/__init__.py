"""The demonstration scripts/dev runs: a day at a backflow company through the real worker."""
