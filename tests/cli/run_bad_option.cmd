run - --bogus
