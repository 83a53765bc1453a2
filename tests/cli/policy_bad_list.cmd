policy $FIXTURES/learn/bad-list.txt
