//! Retry policy: exponential backoff with full jitter, honouring `Retry-After`, retrying only what is safe.
