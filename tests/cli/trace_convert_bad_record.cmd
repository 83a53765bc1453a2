trace convert $FIXTURES/trace/bad-record.lackey /dev/null
