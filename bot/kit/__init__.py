"""Try it without Slack: the Web API stand-in, the request builders that speak to the bot
as Slack does, and `opsbot shell`, which puts them together."""
