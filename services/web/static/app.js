// svodka dashboard: the only script. Ctrl+Enter runs the SQL box; clicking an example fills it in.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector(".sqlbox textarea");
  if (!box) return;
  box.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); box.form.submit(); }
  });
  document.querySelectorAll(".examples code").forEach(function (code) {
    code.addEventListener("click", function () { box.value = code.textContent; box.focus(); });
  });
});
