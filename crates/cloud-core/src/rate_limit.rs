//! Rate limiting: async token buckets with named budgets, shared by all clones of a client.
