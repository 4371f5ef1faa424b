// 使用方案草稿表单: show the target list only for a listed scope, the emergency reason only for emergencies.
(function () {
  "use strict";
  var form = document.getElementById("plan-form");
  if (!form) { return; }
  var scopeKind = form.querySelector("[name=scope_kind]");
  var emergency = form.querySelector("[name=is_emergency]");
  var targets = document.getElementById("targets-box");
  var reason = document.getElementById("emergency-box");
  function sync() {
    if (scopeKind && targets) { targets.classList.toggle("d-none", scopeKind.value === "whole"); }
    if (emergency && reason) { reason.classList.toggle("d-none", !emergency.checked); }
  }
  if (scopeKind) { scopeKind.addEventListener("change", sync); }
  if (emergency) { emergency.addEventListener("change", sync); }
  sync();
})();
