trace info gen:stride:footprint=8M,count=1000,stride=8K
