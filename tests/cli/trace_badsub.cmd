trace frobnicate
