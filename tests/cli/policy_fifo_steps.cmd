policy - --frames 3 --policy fifo --steps < $FIXTURES/learn/belady.txt
