help cpu
