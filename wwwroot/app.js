// InfoCamWeb: copy buttons. Any element with data-copy puts its value on the clipboard and says so for two seconds.
// A file, not an inline script, so the Content-Security-Policy needs no 'unsafe-inline'.
(() => {
    const fallback = text => {
        // Plain HTTP on a LAN address has no navigator.clipboard: copy through a selected, off-screen text area.
        const area = document.createElement('textarea');
        area.value = text;
        area.setAttribute('readonly', '');
        area.style.position = 'fixed';
        area.style.left = '-9999px';
        document.body.appendChild(area);
        area.select();
        const ok = document.execCommand('copy');
        area.remove();
        return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
    };
    document.addEventListener('click', event => {
        const button = event.target.closest('[data-copy]');
        if (!button) return;
        const text = button.getAttribute('data-copy');
        const copy = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(text) : fallback(text);
        const label = button.querySelector('.copy-label');
        copy.then(() => { if (label) label.textContent = 'Copied'; button.classList.add('copied'); },
                  () => { if (label) label.textContent = 'Select and copy'; })
            .finally(() => setTimeout(() => { if (label) label.textContent = 'Copy'; button.classList.remove('copied'); }, 2000));
    });
})();
