"""Every action_id, callback_id and block_id the bot uses, in one place."""

# Card and DM buttons
ACK = "incident_ack"
ASSIGN_ROLES = "incident_assign_roles"
POST_UPDATE = "incident_post_update"
ESCALATE = "incident_escalate"
RESOLVE = "incident_resolve"
REOPEN = "incident_reopen"
JOIN = "incident_join"
NUDGE_NO_CHANGE = "nudge_no_change"
NUDGE_SNOOZE = "nudge_snooze"
OPEN_CHANNEL = "incident_open_channel"
# The answer to a declaration made twice: Open INC-… (a link) and Declare a new incident anyway
DECLARE_ANYWAY = "incident_declare_anyway"
DUPLICATE_BLOCK = "duplicate_declaration"

# The App Home tab: buttons, and the block of each incident listed (the suffix is the incident id)
HOME_DECLARE = "home_declare"
HOME_JOIN = "home_join"
HOME_ACTIONS_BLOCK = "home_actions"
HOME_INCIDENT_BLOCK = "home_incident:"
HOME_MINE_BLOCK = "home_mine:"

# Modals (callback ids)
DECLARE_VIEW = "declare_incident"
ROLES_VIEW = "assign_roles"
UPDATE_VIEW = "post_update"
RESOLVE_VIEW = "resolve_incident"

# Input blocks and their elements (block_id, action_id)
TITLE = ("title", "title_input")
SEVERITY = ("severity", "severity_select")
DESCRIPTION = ("description", "description_input")
COMMANDER = ("commander", "commander_select")
STATUS = ("status", "status_select")
SUMMARY = ("summary", "summary_input")
IMPACT = ("impact", "impact_input")
RESOLUTION = ("resolution", "resolution_input")
ROOT_CAUSE = ("root_cause", "root_cause_input")
ROLE_BLOCK_PREFIX = "role:"
ROLE_SELECT = "role_user_select"

# Runbooks: buttons (the value carries "<attached or incident id>:<step or runbook id>") and the confirmation
RUNBOOK_ATTACH = "runbook_attach"
RUNBOOK_DONE = "runbook_step_done"
RUNBOOK_UNDO = "runbook_step_undo"
RUNBOOK_RUN = "runbook_step_run"
RUNBOOK_CONFIRM_VIEW = "runbook_confirm_run"
RUNBOOK_STEP_BLOCK = "rb:"
RUNBOOK_STATUS_BLOCK = "rbs:"

# Follow-ups: the Done button (value "<incident id>:<number>") and the block of each listed follow-up
FOLLOWUP_DONE = "followup_done"
FOLLOWUP_BLOCK = "fu:"

# Publishing to the status page: the buttons (value: the incident id), the form and its inputs
PUBLISH = "incident_publish"
PUBLISH_RESOLUTION = "incident_publish_resolution"
PUBLISH_VIEW = "publish_update"
PUBLIC_TITLE = ("public_title", "public_title_input")
PUBLIC_STATUS = ("public_status", "public_status_select")
PUBLIC_MESSAGE = ("public_message", "public_message_input")
PUBLIC_COMPONENT_PREFIX = "pubc:"  # + the component id from statuspage.yaml
PUBLIC_COMPONENT_SELECT = "public_component_status"
PUBLISH_PREVIEW_BLOCK = "publish_preview"
# /incident timeline: the page buttons (value "<incident id>:<page index>")
TIMELINE_OLDER = "timeline_older"
TIMELINE_NEWER = "timeline_newer"

# Alerts: the Declare incident and Acknowledge buttons of an alert notice or page DM (value "<queue row>:<index>")
ALERT_DECLARE = "alert_declare"
ALERT_ACK = "alert_ack"
