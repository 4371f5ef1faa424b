// 长下拉框可搜索: every <select> with many options (or data-searchable) gets a text box above it that
// narrows the options to those containing what is typed (name, community or street). Without JavaScript
// the plain select still works; nothing is loaded from a CDN.
(function () {
  "use strict";
  var MIN_OPTIONS = 12;
  function attach(select) {
    if (select.multiple && !select.hasAttribute("data-searchable")) { return; }
    if (select.options.length < MIN_OPTIONS && !select.hasAttribute("data-searchable")) { return; }
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control mb-1 select-filter";
    box.placeholder = document.documentElement.lang === "en" ? "Type to search…" : "输入名称查找…";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("autocomplete", "off");
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var firstShown = null;
      for (var i = 0; i < select.options.length; i++) {
        var option = select.options[i];
        var text = option.text.toLowerCase();
        var show = !option.value || words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !show;
        option.disabled = !show && !option.selected;
        if (show && option.value && firstShown === null) { firstShown = option; }
      }
      var current = select.options[select.selectedIndex];
      if (firstShown && (!current || current.hidden || !current.value) && !select.multiple) {
        firstShown.selected = true;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }
  document.querySelectorAll("main select").forEach(attach);
})();
