"""The offline demo: a seeded corpus generator and the loopback server that replays it."""
