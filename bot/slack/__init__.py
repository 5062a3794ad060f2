"""The Slack adapter pieces below the domains: the Web API client, Block Kit builders,
escaping, people, times as Slack shows them, the manifest and Socket Mode."""
