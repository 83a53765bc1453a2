help numastat
