/* Refreshes the open phone's chat every 2 seconds, so replies appear as the worker sends
   them. The page works without this: the Refresh link does the same. */
(function () {
  "use strict";
  function start() {
    var phone = document.querySelector("[data-chat-url]");
    var chat = document.getElementById("chat");
    if (!phone || !chat) { return; }
    chat.scrollTop = chat.scrollHeight;
    // Compared by text: each fetch carries fresh CSRF tokens in the button forms.
    var shown = chat.textContent;
    setInterval(function () {
      fetch(phone.dataset.chatUrl, { headers: { "Accept": "text/html" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("chat");
          if (fresh && fresh.textContent !== shown) {
            // Not while someone is pressing a button in it.
            if (chat.contains(document.activeElement)) { return; }
            chat.innerHTML = fresh.innerHTML;
            shown = fresh.textContent;
            chat.scrollTop = chat.scrollHeight;
          }
        })
        .catch(function () { /* the next tick tries again */ });
    }, 2000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
