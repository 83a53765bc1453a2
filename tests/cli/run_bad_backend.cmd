run --on mars -
