"""Tests of the application as a whole: factory, errors, migrations, translations, scheduler, CLI, scope."""
