"""Operating the system: backup sets that restore, and the metrics an operator watches."""
