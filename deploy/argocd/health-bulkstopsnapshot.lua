-- Argo CD health check for cdc.snapshot-operator.dev/BulkStopSnapshot.
--
-- Argo CD runs this script with the resource in the global `obj` and reads the returned table:
-- status is Healthy, Progressing or Degraded, and message is shown next to it. A BulkStopSnapshot
-- runs once, so its final phase decides its health for good:
--   Succeeded                   -> Healthy
--   Failed, PartiallySucceeded  -> Degraded, with the operator's status message
--   no status yet, Pending,
--   Running                     -> Progressing
-- Argo CD evaluates health checks with gopher-lua (Lua 5.1), so the script uses nothing newer.
local hs = {}
local status = obj.status
if status == nil or status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for snapshot-operator to start processing the resource."
  return hs
end

local phase = status.phase
local message = status.message
if message == nil or message == "" then
  message = "Phase " .. phase .. "."
end

-- The status describes an older spec: the operator has not processed the current one yet.
local generation = obj.metadata and obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for snapshot-operator to process generation " .. generation .. "."
  return hs
end

if phase == "Succeeded" then
  hs.status = "Healthy"
elseif phase == "Failed" or phase == "PartiallySucceeded" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = message
return hs
