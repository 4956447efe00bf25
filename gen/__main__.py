from gen.cli.app import entry

entry()
