"""The alerts section the alert tests deploy (receivers from the environment)."""


def alerts_section(**route) -> dict:
    return {
        "base_url": "http://127.0.0.1:3000",
        "receivers": {
            "slack": {"slack_webhook": {"url_env": "DQ_MONITOR_SLACK_WEBHOOK_URL"}},
            "email": {"email": {"smtp_host_env": "DQ_MONITOR_SMTP_HOST", "smtp_port_env": "DQ_MONITOR_SMTP_PORT",
                                "to_env": "DQ_MONITOR_ALERT_EMAIL_TO", "from": "dq-monitor@localhost",
                                "starttls": "false"}},
        },
        "route": {"receiver": "slack", "group_by": ["dataset", "snapshot"], "group_wait": "0s",
                  "group_interval": "5s", "repeat_interval": "4h",
                  "routes": [{"receiver": "email", "matchers": ["severity=ERROR"], "continue": True},
                             {"receiver": "slack"}], **route},
    }
