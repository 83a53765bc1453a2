trace info gen:zipf:footprint=64M,count=5000,seed=3 --json
