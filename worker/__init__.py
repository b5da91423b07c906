"""fieldbase worker: runs the jobs the database queues (email, PDF, webhooks)."""
