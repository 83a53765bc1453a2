run $FIXTURES/numa/scenarios/refusals.vml
