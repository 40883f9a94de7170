using InfoCamWeb.Data;
using InfoCamWeb.Web.Extensions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace InfoCamWeb.Web.Components.Shared;

/// <summary>A page that acts for the signed-in user: services check every action against <see cref="Actor"/>.</summary>
public abstract class ActorPage : ComponentBase
{
    [CascadingParameter] protected Task<AuthenticationState>? AuthState { get; set; }

    [Inject] protected ActorProvider Actors { get; set; } = default!;

    protected Actor Actor { get; private set; } = Actor.Anonymous;

    protected async Task LoadActorAsync() =>
        Actor = await Actors.GetAsync(AuthState is null ? null : (await AuthState).User);
}
