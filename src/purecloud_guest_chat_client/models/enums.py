"""The enumerations of the Guest Chat API.

Fields typed with these accept unknown values as plain strings (see ``Open*`` aliases), so a newer
server cannot break parsing. Members compare equal to their wire strings.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field


class MemberRole(StrEnum):
    AGENT = "AGENT"
    CUSTOMER = "CUSTOMER"
    WORKFLOW = "WORKFLOW"
    ACD = "ACD"


class MemberState(StrEnum):
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    ALERTING = "ALERTING"


class BodyType(StrEnum):
    STANDARD = "standard"
    NOTICE = "notice"
    MEMBER_JOIN = "member-join"
    MEMBER_LEAVE = "member-leave"
    MEDIA_REQUEST = "media-request"


class TargetType(StrEnum):
    QUEUE = "QUEUE"


class MediaType(StrEnum):
    COBROWSE = "COBROWSE"
    SCREENSHARE = "SCREENSHARE"


class MediaRequestState(StrEnum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    TIMEDOUT = "TIMEDOUT"
    CANCELLED = "CANCELLED"
    ERRORED = "ERRORED"


class SortOrder(StrEnum):
    ASCENDING = "ascending"
    DESCENDING = "descending"


class LimitNamespace(StrEnum):
    WORKFORCE_MANAGEMENT = "workforce.management"
    AGENT_ASSISTANT = "agent.assistant"
    ANALYTICS_AGENTS = "analytics.agents"
    ANALYTICS_ALERTING = "analytics.alerting"
    ANALYTICS_DATA_EXTRACTION = "analytics.data.extraction"
    ANALYTICS = "analytics"
    ANALYTICS_REALTIME = "analytics.realtime"
    ANALYTICS_REPORTING_SETTINGS = "analytics.reporting.settings"
    ARCHITECT = "architect"
    AUDIOHOOK = "audiohook"
    AUDIOHOOK_MONITOR = "audiohook.monitor"
    AUDIT = "audit"
    AUTH_API = "auth.api"
    AUTHORIZATION = "authorization"
    AUTOMATION_TESTING = "automation.testing"
    BOTS = "bots"
    BOTS_VOICE = "bots.voice"
    BUSINESS_RULES = "business.rules"
    CALLBACK = "callback"
    COBROWSE = "cobrowse"
    CONTENT_MANAGEMENT = "content.management"
    CONVERSATION = "conversation"
    DATAACTIONS = "dataactions"
    DATATABLES = "datatables"
    DIRECTORY = "directory"
    DSAR = "dsar"
    EMAIL = "email"
    EMPLOYEE_ENGAGEMENT = "employee.engagement"
    EVENT_ORCHESTRATION = "event.orchestration"
    EXTERNAL_CONTACTS = "external.contacts"
    EXTERNAL_EVENTS_DATA_INGESTION = "external.events.data.ingestion"
    GAMIFICATION = "gamification"
    GCV = "gcv"
    GDPR = "gdpr"
    GROUPS = "groups"
    GUIDES = "guides"
    HISTORICAL_ADHERENCE = "historical.adherence"
    INFRASTRUCTUREASCODE = "infrastructureascode"
    INTEGRATIONS = "integrations"
    INTENT_MINER = "intent.miner"
    INTERNAL_MESSAGING = "internal.messaging"
    JOURNEY = "journey"
    KNOWLEDGE = "knowledge"
    LANGUAGE_UNDERSTANDING = "language.understanding"
    LEARNING = "learning"
    LIMIT_REGISTRY = "limit.registry"
    MARKETPLACE = "marketplace"
    MEDIA_COMMUNICATIONS = "media.communications"
    MESSAGING = "messaging"
    MICRO_FRONTEND = "micro.frontend"
    NOTIFICATIONS = "notifications"
    ONBOARDING = "onboarding"
    OUTBOUND = "outbound"
    PLATFORM_API = "platform.api"
    PREDICTIVE_ROUTING = "predictive.routing"
    PRESENCE = "presence"
    QUALITY = "quality"
    RECORDING = "recording"
    RESPONSE_MANAGEMENT = "response.management"
    ROUTING = "routing"
    SCIM = "scim"
    SCREEN_MONITORING = "screen.monitoring"
    SEARCH = "search"
    SECONDARY_AUTOMATION_TESTING = "secondary.automation.testing"
    SKILLS = "skills"
    SOCIAL_MEDIA = "social.media"
    SPEECH_AND_TEXT_ANALYTICS = "speech.and.text.analytics"
    SPEECH_INTEGRATION = "speech.integration"
    SUPPORTABILITY = "supportability"
    TASK_MANAGEMENT = "task.management"
    TELEPHONY_CONFIGURATION = "telephony.configuration"
    USAGE = "usage"
    USERS = "users"
    USERS_RULES = "users.rules"
    VOICE_TRANSCRIPTION = "voice.transcription"
    WEB_DEPLOYMENTS = "web.deployments"
    WEB_MESSAGING = "web.messaging"
    WEBCHAT = "webchat"
    WEBHOOKS = "webhooks"
    WORKFORCE_MANAGEMENT_AGENT_AVAILABILITY = "workforce.management.agent.availability"
    WORKFORCE_MANAGEMENT_FORECAST = "workforce.management.forecast"
    SYSTEM = "system"


_open = Field(union_mode="left_to_right")
OpenMemberRole = Annotated[MemberRole | str, _open]
OpenMemberState = Annotated[MemberState | str, _open]
OpenBodyType = Annotated[BodyType | str, _open]
OpenTargetType = Annotated[TargetType | str, _open]
OpenMediaType = Annotated[MediaType | str, _open]
OpenMediaRequestState = Annotated[MediaRequestState | str, _open]
OpenLimitNamespace = Annotated[LimitNamespace | str, _open]
