"""Back-end stores: the Redis feature cache."""
