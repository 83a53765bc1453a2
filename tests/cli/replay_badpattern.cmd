replay gen:bogus
