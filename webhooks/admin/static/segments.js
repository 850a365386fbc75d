/* A live count of SMS segments as staff type a one-off message.

   The same rules as bot/sending/sms_text.py, which the server uses for the estimate it shows
   after a check or a send (tests/browser/test_participants.py holds the two to the same answers):
   GSM-7 is 160 septets in one message or 153 a part, with the extension characters costing two;
   one character outside GSM-7 makes it UCS-2, 70 UTF-16 units or 67 a part; a part never splits
   an extension character or a surrogate pair; typographic quotes, dashes and odd spaces are
   swapped for plain ones first when that makes the whole text GSM-7 without costing more.

   The page works without this: the "Check length and cost" button asks the server. */
(function () {
  "use strict";

  var GSM7_BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅå" +
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ" +
    " !\"#¤%&'()*+,-./" +
    "0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
  ));
  var GSM7_EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));
  var GSM7_SINGLE = 160, GSM7_PART = 153, UCS2_SINGLE = 70, UCS2_PART = 67;

  var PLAIN = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": "\"", "\u201d": "\"", "\u201e": "\"", "\u201f": "\"", "\u2033": "\"",
    "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " "
  };

  function isGsm7(chars) {
    return chars.every(function (ch) { return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch); });
  }

  // Array.from splits by code point, as Python iterates a str.
  function countSegments(text) {
    var chars = Array.from(text);
    var gsm = isGsm7(chars);
    var sizes = chars.map(function (ch) {
      if (gsm) { return GSM7_EXTENSION.has(ch) ? 2 : 1; }
      return ch.codePointAt(0) > 0xFFFF ? 2 : 1;
    });
    var single = gsm ? GSM7_SINGLE : UCS2_SINGLE;
    var part = gsm ? GSM7_PART : UCS2_PART;
    var units = sizes.reduce(function (a, b) { return a + b; }, 0);
    var encoding = gsm ? "GSM-7" : "UCS-2";
    if (units === 0) { return { encoding: encoding, units: 0, segments: 0 }; }
    if (units <= single) { return { encoding: encoding, units: units, segments: 1 }; }
    var segments = 1, used = 0;
    sizes.forEach(function (size) {
      if (used + size > part) { segments += 1; used = 0; }
      used += size;
    });
    return { encoding: encoding, units: units, segments: segments };
  }

  function plainForSms(text) {
    var plain = Array.from(text).map(function (ch) {
      return Object.prototype.hasOwnProperty.call(PLAIN, ch) ? PLAIN[ch] : ch;
    }).join("");
    if (plain === text || !isGsm7(Array.from(plain))) { return text; }
    if (countSegments(plain).segments > countSegments(text).segments) { return text; }
    return plain;
  }

  // The SMS count staff see: as the server counts it, after the plain swap.
  function smsSegments(text) {
    return countSegments(plainForSms(text));
  }

  function pence(amount) {
    // As Python's "{:g}": 4 -> "4", 4.5 -> "4.5".
    return String(Number(amount.toFixed(6)));
  }

  function describe(text, channel, smsPence, whatsappPence) {
    if (channel === "sms") {
      var count = smsSegments(text);
      var unit = count.segments === 1 ? "SMS segment" : "SMS segments";
      var cost = count.segments ? "about " + pence(count.segments * smsPence) + "p" : "free";
      var words = count.segments + " " + unit + ", " + cost;
      if (count.encoding === "UCS-2" && count.segments) {
        words += ". It has a character outside the plain SMS alphabet, so each segment holds 70 not 160";
      }
      return words;
    }
    var name = channel === "whatsapp" ? "WhatsApp" : "Telegram";
    if (!text) { return "0 " + name + " messages, free"; }
    if (channel === "whatsapp") { return "1 WhatsApp message, about " + pence(whatsappPence) + "p"; }
    return "1 Telegram message, free";
  }

  window.ManyVoicesSegments = { countSegments: countSegments, plainForSms: plainForSms,
    smsSegments: smsSegments, describe: describe };

  function start() {
    var box = document.getElementById("text");
    var shown = document.getElementById("estimate");
    var spoken = document.getElementById("estimate-spoken");
    if (!box || !shown || !box.dataset.channel) { return; }
    var most = Number(box.dataset.most);
    var timer = null;
    function update() {
      var text = box.value;
      var words = "This message: " + describe(text, box.dataset.channel,
        Number(box.dataset.smsPence), Number(box.dataset.whatsappPence)) + ".";
      var length = Array.from(text).length;
      if (length > most) {
        words += " It is " + (length - most) + " characters too long.";
      }
      shown.textContent = words;
      // Said once typing pauses, not at every key.
      clearTimeout(timer);
      timer = setTimeout(function () { spoken.textContent = words; }, 1000);
    }
    box.addEventListener("input", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
