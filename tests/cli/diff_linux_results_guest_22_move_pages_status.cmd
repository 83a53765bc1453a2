diff $FIXTURES/../fidelity-numa/22-move-pages-status.vml --linux-results $FIXTURES/numa/guest-6.1-22-move-pages-status.res --quiet
