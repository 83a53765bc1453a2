replay gen:seq --series x.csv
