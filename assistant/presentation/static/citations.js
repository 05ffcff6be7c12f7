// The [n] markers in answers: a click scrolls 出处 to card n and flashes it; hovering (or a first tap on a
// touch screen) shows the marker's evidence preview. Run once by Gradio when the page loads (mount's js=).
() => {
  const preview = document.createElement("div");
  preview.id = "cite-preview";
  preview.setAttribute("role", "tooltip");
  preview.hidden = true;
  document.body.appendChild(preview);
  let shownFor = null;

  const show = (link) => {
    if (link.title) { link.dataset.preview = link.title; link.removeAttribute("title"); } // no native tooltip too
    preview.textContent = link.dataset.preview || "";
    preview.hidden = !preview.textContent;
    const box = link.getBoundingClientRect();
    const width = Math.min(420, window.innerWidth * 0.9);
    preview.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - width - 8))}px`;
    const below = box.bottom + 6;
    preview.style.top = `${below + preview.offsetHeight > window.innerHeight ? box.top - preview.offsetHeight - 6 : below}px`;
    shownFor = link;
  };
  const hide = () => { preview.hidden = true; shownFor = null; };

  const flash = (n) => {
    const card = document.querySelector(`#sources #citation-${n}`);
    if (!card) return;
    card.scrollIntoView({ block: "center", behavior: "smooth" });
    card.classList.remove("flash");
    void card.offsetWidth; // restart the animation when the same card is asked for again
    card.classList.add("flash");
  };

  let touched = false;
  document.addEventListener("pointerdown", (event) => { touched = event.pointerType === "touch"; }, true);
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.cite");
    if (!link) { if (!event.target.closest || !event.target.closest("#cite-preview")) hide(); return; }
    event.preventDefault();
    if (touched && shownFor !== link) { show(link); return; } // a first tap previews, a second one goes
    hide();
    const n = link.getAttribute("href").replace("#citation-", "");
    const answers = document.querySelectorAll("#chat .bot, #chat [data-testid='bot']");
    if (answers.length && answers[answers.length - 1].contains(link)) { flash(n); return; }
    // An earlier answer: the app shows its sources once the click reaches it; flash when they arrive.
    const sources = document.querySelector("#sources");
    let done = false;
    const go = () => { if (!done) { done = true; observer.disconnect(); flash(n); } };
    const observer = new MutationObserver(go);
    observer.observe(sources, { childList: true, subtree: true });
    setTimeout(go, 3000);
  }, true);
  document.addEventListener("mouseover", (event) => {
    const link = event.target.closest && event.target.closest("a.cite");
    if (link && !touched) show(link);
  });
  document.addEventListener("mouseout", (event) => {
    if (!touched && event.target.closest && event.target.closest("a.cite")) hide();
  });
  document.addEventListener("scroll", hide, true);
}
