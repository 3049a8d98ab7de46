"""Runtime: what the services share to run on Kafka — the faust app factory, topics,
observability, logs and the local broker."""
