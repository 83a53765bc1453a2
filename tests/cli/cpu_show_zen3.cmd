cpu show ZEN3
