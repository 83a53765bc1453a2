mrc $FIXTURES/mrc/abacba.plain --csv --quiet
