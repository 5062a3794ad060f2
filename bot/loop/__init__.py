"""The weekly Loop of Loops: each team's PM answers a prompt, the bot reminds those who have
not answered and posts one digest before the PM sync (see product.md and issue 5)."""
