policy - --frames 2 --policy fifo,opt < $FIXTURES/trace/small.plain
