"""Click commands of `evaljobs`, one module per concern; each lists its commands in `COMMANDS`."""
