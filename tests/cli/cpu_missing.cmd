cpu
