// The Add form's Account Key follows the Gateway Name as it is typed ("Infobip I" gives
// "infobip-i"), until a person edits the key; emptying the key makes it follow again.
// The same rule as gwctl.core.names.key_from_name, which the server applies to an empty key.
"use strict";
(function () {
  const key = document.querySelector("input[data-derive-from]");
  const name = key && document.getElementById(key.dataset.deriveFrom);
  if (!key || !name) {
    return;
  }
  function keyFromName(text) {
    return text
      .normalize("NFKD")
      .replace(/\p{M}/gu, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 63)
      .replace(/-+$/, "");
  }
  let follows = key.value === "" || key.value === keyFromName(name.value);
  name.addEventListener("input", function () {
    if (follows) {
      key.value = keyFromName(name.value);
    }
  });
  key.addEventListener("input", function () {
    follows = key.value === "" || key.value === keyFromName(name.value);
  });
})();
