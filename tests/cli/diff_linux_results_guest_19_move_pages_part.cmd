diff $FIXTURES/../fidelity-numa/19-move-pages-part.vml --linux-results $FIXTURES/numa/guest-6.1-19-move-pages-part.res --quiet
