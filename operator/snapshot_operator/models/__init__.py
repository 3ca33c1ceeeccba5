"""Pydantic models of the BulkStopSnapshot resource and of the operator's configuration.

This is the lowest layer: it imports only ``snapshot_operator.errors``. Resource models use
snake_case attributes with camelCase aliases, and ``to_k8s()`` writes the aliases.
"""

from snapshot_operator.models.config import (
    AuthSecretRef,
    CASecretRef,
    ConfigFileError,
    ConnectAuth,
    ConnectCluster,
    ConnectLimits,
    OperatorConfig,
    OperatorDefaults,
    SecretRef,
    SignalCredentials,
)
from snapshot_operator.models.spec import (
    PUBLIC_API_FIELDS,
    BulkStopSnapshotSpec,
    Filters,
    InvalidSpecError,
    explain_validation_error,
    is_valid_connector_name,
)
from snapshot_operator.models.status import (
    SUCCESS_OUTCOMES,
    TERMINAL_PHASES,
    Action,
    BulkStopSnapshotStatus,
    Condition,
    ConditionStatus,
    ConditionType,
    ConnectorFamily,
    InFlightSource,
    Outcome,
    Phase,
    ResultData,
    SnapshotType,
    SourceResult,
    Summary,
    truncate_message,
)

__all__ = [
    "PUBLIC_API_FIELDS",
    "SUCCESS_OUTCOMES",
    "TERMINAL_PHASES",
    "Action",
    "AuthSecretRef",
    "BulkStopSnapshotSpec",
    "BulkStopSnapshotStatus",
    "CASecretRef",
    "Condition",
    "ConditionStatus",
    "ConditionType",
    "ConfigFileError",
    "ConnectAuth",
    "ConnectCluster",
    "ConnectLimits",
    "ConnectorFamily",
    "Filters",
    "InFlightSource",
    "InvalidSpecError",
    "OperatorConfig",
    "OperatorDefaults",
    "Outcome",
    "Phase",
    "ResultData",
    "SecretRef",
    "SignalCredentials",
    "SnapshotType",
    "SourceResult",
    "Summary",
    "explain_validation_error",
    "is_valid_connector_name",
    "truncate_message",
]
