replay gen:seq $'--fr\x01ob\xff'
